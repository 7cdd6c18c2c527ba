use leadsmith_testkit::*;
#[test]
fn explore() {
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let web = SampleWeb::standard();
        let g = t.elapsed();
        let t = std::time::Instant::now();
        let csv = web.leads_csv();
        println!("generate {g:?} csv {:?} ({} bytes)", t.elapsed(), csv.len());
    }
}
