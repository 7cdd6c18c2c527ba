//! Suite cases for API keys: storage (create, list, look up, revoke, touch) and `verify` on top of it.

use std::sync::Arc;

use leadsmith_store::{
    ApiKey, KeyRejection, KeyStatus, NewApiKey, Scope, Store, StoreError, TOUCH_INTERVAL_MS, generate_key, hash_key,
    now_ms, prefix_of, verify,
};

/// Makes a key and stores it; returns the raw key with its record.
async fn make(s: &Arc<dyn Store>, name: &str, scope: Scope, expires_at_ms: Option<i64>) -> (String, ApiKey) {
    let raw = generate_key();
    let stored = s.create_api_key(NewApiKey::for_key(name, scope, &raw, expires_at_ms)).await.unwrap();
    (raw, stored)
}

pub async fn api_keys_are_stored_hashed_listed_and_found_by_hash(s: Arc<dyn Store>) {
    let before = now_ms();
    let (raw_a, a) = make(&s, "crm", Scope::Read, None).await;
    let (raw_b, b) = make(&s, "etl", Scope::Admin, Some(before + 86_400_000)).await;
    assert_eq!((a.name.as_str(), a.scope, a.prefix.as_str()), ("crm", Scope::Read, prefix_of(&raw_a)));
    assert!(a.created_at_ms >= before && a.created_at_ms <= now_ms(), "{a:?}");
    assert_eq!((a.last_used_at_ms, a.expires_at_ms, a.revoked_at_ms), (None, None, None));
    assert_eq!(b.expires_at_ms, Some(before + 86_400_000));
    assert_ne!(a.id, b.id);

    let listed = s.api_keys().await.unwrap();
    assert_eq!(listed, vec![b.clone(), a.clone()], "newest first");
    // `ApiKey` has no hash field; neither the key nor its hash appears in what is handed out.
    let shown = format!("{listed:?}{}", serde_json::to_string(&listed).unwrap());
    for secret in [&raw_a, &raw_b, &hash_key(&raw_a), &hash_key(&raw_b)] {
        assert!(!shown.contains(secret.as_str()), "{shown}");
    }

    assert_eq!(s.api_key_by_hash(&hash_key(&raw_a)).await.unwrap(), Some(a.clone()));
    assert_eq!(s.api_key_by_hash(&hash_key(&raw_b)).await.unwrap(), Some(b));
    assert_eq!(s.api_key_by_hash(&hash_key(&generate_key())).await.unwrap(), None);
    assert_eq!(s.api_key_by_hash(&raw_a).await.unwrap(), None, "looked up by hash, never by key");

    // Names are unique for good; the same key cannot be stored twice; bad records are refused.
    let err = s.create_api_key(NewApiKey::for_key("crm", Scope::Write, &generate_key(), None)).await.unwrap_err();
    assert!(matches!(&err, StoreError::ApiKeyNameTaken(n) if n == "crm"), "{err:?}");
    assert!(err.to_string().contains("\"crm\" already exists"), "{err}");
    let err = s.create_api_key(NewApiKey::for_key("crm2", Scope::Write, &raw_a, None)).await.unwrap_err();
    assert!(matches!(err, StoreError::DuplicateApiKey), "{err:?}");
    let err = s.create_api_key(NewApiKey::for_key("bad name", Scope::Read, &generate_key(), None)).await.unwrap_err();
    assert!(matches!(err, StoreError::InvalidApiKey(_)), "{err:?}");
    assert_eq!(s.api_keys().await.unwrap().len(), 2, "refused keys leave nothing behind");
}

pub async fn api_keys_revoke_by_name_or_prefix_idempotently(s: Arc<dyn Store>) {
    let (_, a) = make(&s, "crm", Scope::Write, None).await;
    let (_, b) = make(&s, "etl", Scope::Read, None).await;

    let before = now_ms();
    let revoked = s.revoke_api_key("crm").await.unwrap().expect("revoked by name");
    assert_eq!(revoked.id, a.id);
    let at = revoked.revoked_at_ms.expect("revoked_at set");
    assert!(at >= before && at <= now_ms());
    assert_eq!(revoked.status(now_ms()), KeyStatus::Revoked);
    let again = s.revoke_api_key("crm").await.unwrap().unwrap();
    assert_eq!(again.revoked_at_ms, Some(at), "revoking again changes nothing");

    let by_prefix = s.revoke_api_key(&b.prefix).await.unwrap().expect("revoked by prefix");
    assert_eq!(by_prefix.id, b.id);
    assert!(s.api_keys().await.unwrap().iter().all(|k| k.revoked_at_ms.is_some()), "still listed once revoked");
    assert_eq!(s.revoke_api_key("nobody").await.unwrap(), None);
    assert_eq!(s.revoke_api_key("lsk_").await.unwrap(), None, "a prefix must be whole");

    // Two keys sharing a prefix (possible, if unlikely): the prefix is refused, the names still work.
    let shared = "lsk_SAMEPREF";
    let x = s.create_api_key(NewApiKey::for_key("x", Scope::Read, &format!("{shared}{}", "x".repeat(32)), None));
    let y = s.create_api_key(NewApiKey::for_key("y", Scope::Read, &format!("{shared}{}", "y".repeat(32)), None));
    let (x, y) = (x.await.unwrap(), y.await.unwrap());
    assert_eq!((x.prefix.as_str(), y.prefix.as_str()), (shared, shared));
    let err = s.revoke_api_key(shared).await.unwrap_err();
    match &err {
        StoreError::AmbiguousApiKey { given, matches } => {
            assert_eq!((given.as_str(), matches.clone()), (shared, vec!["x".to_string(), "y".to_string()]))
        }
        other => panic!("expected AmbiguousApiKey, got {other:?}"),
    }
    assert!(err.to_string().contains("revoke by name"), "{err}");
    assert!(
        s.api_key_by_hash(&hash_key(&format!("{shared}{}", "x".repeat(32))))
            .await
            .unwrap()
            .unwrap()
            .revoked_at_ms
            .is_none()
    );
    assert_eq!(s.revoke_api_key("y").await.unwrap().unwrap().id, y.id);
}

pub async fn verify_rejects_missing_unknown_revoked_expired_and_out_of_scope_keys(s: Arc<dyn Store>) {
    let now = now_ms();
    let (read, _) = make(&s, "reader", Scope::Read, None).await;
    let (write, _) = make(&s, "writer", Scope::Write, Some(now + 60_000)).await;
    let (admin, _) = make(&s, "admin", Scope::Admin, None).await;
    let (expired, _) = make(&s, "old", Scope::Admin, Some(now - 1)).await;
    let (revoked, _) = make(&s, "gone", Scope::Admin, None).await;
    s.revoke_api_key("gone").await.unwrap().unwrap();

    let check = |key: Option<String>, needed: Scope, at: i64| {
        let s = s.clone();
        async move { verify(s.as_ref(), key.as_deref(), needed, at).await }
    };
    assert_eq!(check(Some(read.clone()), Scope::Read, now).await.unwrap().name, "reader");
    assert_eq!(check(Some(format!("  {write}\t")), Scope::Read, now).await.unwrap().name, "writer", "trimmed");
    assert_eq!(check(Some(write.clone()), Scope::Write, now).await.unwrap().name, "writer");
    assert_eq!(check(Some(admin.clone()), Scope::Admin, now).await.unwrap().name, "admin");

    let rejection = |r: Result<ApiKey, KeyRejection>| r.expect_err("expected a rejection");
    assert!(matches!(rejection(check(None, Scope::Read, now).await), KeyRejection::Missing));
    assert!(matches!(rejection(check(Some(" ".into()), Scope::Read, now).await), KeyRejection::Missing));
    assert!(matches!(rejection(check(Some(generate_key()), Scope::Read, now).await), KeyRejection::Unknown));
    assert!(matches!(rejection(check(Some("x".repeat(10_000)), Scope::Read, now).await), KeyRejection::Unknown));
    let r = rejection(check(Some(revoked.clone()), Scope::Read, now).await);
    assert!(matches!(r, KeyRejection::Revoked) && r.status() == 401, "{r:?}");
    let r = rejection(check(Some(expired.clone()), Scope::Read, now).await);
    assert!(matches!(r, KeyRejection::Expired) && r.status() == 401, "{r:?}");
    // The writer's key is good now and expired a minute later.
    assert!(matches!(rejection(check(Some(write.clone()), Scope::Read, now + 60_000).await), KeyRejection::Expired));
    let r = rejection(check(Some(read.clone()), Scope::Write, now).await);
    assert!(matches!(r, KeyRejection::InsufficientScope { has: Scope::Read, needs: Scope::Write }), "{r:?}");
    assert_eq!(r.status(), 403);
    let r = rejection(check(Some(write.clone()), Scope::Admin, now).await);
    assert!(matches!(r, KeyRejection::InsufficientScope { has: Scope::Write, needs: Scope::Admin }), "{r:?}");
    // Authentication comes before authorisation: a revoked key is 401 whatever it asks for.
    assert_eq!(rejection(check(Some(revoked.clone()), Scope::Admin, now).await).status(), 401);
    for key in [&read, &write, &admin, &expired, &revoked] {
        for needed in Scope::ALL {
            if let Err(r) = check(Some(key.clone()), needed, now).await {
                assert!(!r.to_string().contains(key.as_str()) && !r.to_string().contains(prefix_of(key)), "{r}");
            }
        }
    }
    // A rejected key is not marked as used.
    for name in ["old", "gone"] {
        let k = s.api_keys().await.unwrap().into_iter().find(|k| k.name == name).unwrap();
        assert_eq!(k.last_used_at_ms, None, "{k:?}");
    }
}

pub async fn rotated_keys_are_both_valid_until_the_old_is_revoked(s: Arc<dyn Store>) {
    let now = now_ms();
    let (old, _) = make(&s, "crm-2025-01", Scope::Write, None).await;
    let (new, _) = make(&s, "crm-2025-04", Scope::Write, None).await;
    assert_eq!(verify(s.as_ref(), Some(&old), Scope::Write, now).await.unwrap().name, "crm-2025-01");
    assert_eq!(verify(s.as_ref(), Some(&new), Scope::Write, now).await.unwrap().name, "crm-2025-04");
    s.revoke_api_key("crm-2025-01").await.unwrap().unwrap();
    assert!(matches!(verify(s.as_ref(), Some(&old), Scope::Write, now).await, Err(KeyRejection::Revoked)));
    assert_eq!(verify(s.as_ref(), Some(&new), Scope::Write, now).await.unwrap().name, "crm-2025-04");
}

pub async fn verify_touches_last_used_at_most_once_a_minute(s: Arc<dyn Store>) {
    let (raw, key) = make(&s, "crm", Scope::Read, None).await;
    let stored = |s: Arc<dyn Store>| async move { s.api_keys().await.unwrap().remove(0).last_used_at_ms };
    let t0 = now_ms();

    let seen = verify(s.as_ref(), Some(&raw), Scope::Read, t0).await.unwrap();
    assert_eq!(seen.last_used_at_ms, Some(t0));
    assert_eq!(stored(s.clone()).await, Some(t0));
    // Within the minute: no write.
    let seen = verify(s.as_ref(), Some(&raw), Scope::Read, t0 + TOUCH_INTERVAL_MS - 1).await.unwrap();
    assert_eq!(seen.last_used_at_ms, Some(t0));
    assert_eq!(stored(s.clone()).await, Some(t0));
    // A minute on: written again.
    let t1 = t0 + TOUCH_INTERVAL_MS;
    assert_eq!(verify(s.as_ref(), Some(&raw), Scope::Read, t1).await.unwrap().last_used_at_ms, Some(t1));
    assert_eq!(stored(s.clone()).await, Some(t1));

    // touch_api_key never moves the time back (a slow request finishing late).
    s.touch_api_key(key.id, t0).await.unwrap();
    assert_eq!(stored(s.clone()).await, Some(t1));
    s.touch_api_key(key.id, t1 + 5).await.unwrap();
    assert_eq!(stored(s.clone()).await, Some(t1 + 5));
    s.touch_api_key(key.id + 1_000, t1).await.unwrap();
}
