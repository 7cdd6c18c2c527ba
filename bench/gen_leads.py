#!/usr/bin/env python3
"""A deterministic, realistic lead list for the import/export benchmark (issue 12).

    python3 bench/gen_leads.py --mb 1000 --out /tmp/leads-1g.csv

Columns as a Salesforce lead export has them, quoted where needed. Of the rows, about 6 % repeat an
earlier business's website (domain merges), 3 % an earlier business's phone without a website (phone
merges), 1 % are exact copies of an earlier line, and a few franchise phone numbers are shared by hundreds
of rows each (too many to merge on: reported as crowded keys); 0.5 % have no company, website or email
(rejected). The same seed and size give the same bytes.
"""

import argparse
import random

FIRST = ["Maria", "James", "Aiko", "Liam", "Sofia", "Noah", "Chen", "Olga", "Ravi", "Emma", "Lucas", "Fatima"]
LAST = ["Lopez", "Smith", "Tanaka", "Okafor", "Rossi", "Novak", "Kim", "Garcia", "Singh", "Brown", "Meyer"]
TRADES = [
    ("Dental", "Dentists"), ("Plumbing", "Plumbers"), ("Roofing", "Roofers"), ("Bakery", "Bakeries"),
    ("Law Group", "Lawyers"), ("Auto Repair", "Auto repair"), ("Yoga Studio", "Fitness"), ("Florist", "Florists"),
    ("Veterinary Clinic", "Veterinarians"), ("Accounting", "Accountants"), ("Cafe", "Restaurants"),
]
WORDS = ["Bright", "Summit", "Harbor", "Maple", "Golden", "Blue", "Cedar", "River", "Oak", "Prime", "North",
         "Valley", "Pioneer", "Elm", "Coastal", "Liberty", "Sunset", "Granite", "Willow", "Metro"]
CITIES = [("Austin", "TX", "787"), ("Denver", "CO", "802"), ("Portland", "OR", "972"), ("Chicago", "IL", "606"),
          ("Boston", "MA", "021"), ("Seattle", "WA", "981"), ("Miami", "FL", "331"), ("Phoenix", "AZ", "850")]
AREAS = ["512", "303", "503", "312", "617", "206", "305", "602"]
TITLES = ["Owner", "Office Manager", "Founder", "Director", "Practice Manager", ""]
STREETS = ["Main St", "Oak Ave", "2nd St", "Park Blvd", "Elm St", "Market St", "Broadway", "Lake Dr"]
HEADER = "Id,Company,Website,Email,Phone,Street,City,State,PostalCode,Country,FirstName,LastName,Title,Industry,Notes\n"


def quote(v):
    return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\n') else v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=100.0, help="approximate size in MB (10^6 bytes)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=12)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    target = int(args.mb * 1_000_000)
    franchises = [f"(800) 555-{n:04d}" for n in range(100, 120)]
    businesses = []  # (company, domain, phone) of earlier rows, for duplicates
    recent_lines = []
    written = 0
    n = 0
    with open(args.out, "w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        written += len(HEADER)
        while written < target:
            n += 1
            roll = rng.random()
            if roll < 0.01 and recent_lines:
                line = rng.choice(recent_lines)
                out.write(line)
                written += len(line)
                continue
            city, state, zip3 = rng.choice(CITIES)
            trade, industry = rng.choice(TRADES)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            if roll < 0.07 and businesses:
                company, domain, phone = rng.choice(businesses)
                website = rng.choice([f"https://www.{domain}/", f"http://{domain}", domain])
                company = company + rng.choice(["", ", LLC", " Inc."])
            elif roll < 0.10 and businesses:
                company, _, phone = rng.choice(businesses)
                domain, website = None, ""
            else:
                company = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {trade}"
                domain = f"{company.lower().replace(' ', '-')}-{n}.test"
                website = rng.choice([f"https://www.{domain}/", f"http://{domain}", f"www.{domain}"])
                phone = f"({rng.choice(AREAS)}) {rng.randint(201, 989)}-{rng.randint(0, 9999):04d}"
                if rng.random() < 0.02:
                    phone = rng.choice(franchises)
                if len(businesses) < 200_000:
                    businesses.append((company, domain, phone))
                else:
                    businesses[rng.randrange(len(businesses))] = (company, domain, phone)
            if rng.random() < 0.005:
                company, website, domain = "", "", None
            email = f"{first.lower()}@{domain}" if domain and rng.random() < 0.6 else ""
            notes = rng.choice(["", "", "met at expo, \"very keen\"", "call back in Q3", "prefers email\nafter 5pm"])
            row = [
                f"00Q{n:09d}", company, website, email, phone,
                f"{rng.randint(1, 9999)} {rng.choice(STREETS)}", city, state, f"{zip3}{rng.randint(0, 99):02d}",
                rng.choice(["USA", "United States", "US"]), first, last, rng.choice(TITLES), industry, notes,
            ]
            line = ",".join(quote(v) for v in row) + "\n"
            out.write(line)
            written += len(line.encode("utf-8"))
            if rng.random() < 0.01:
                if len(recent_lines) < 1000:
                    recent_lines.append(line)
                else:
                    recent_lines[rng.randrange(1000)] = line
    print(f"wrote {args.out}: {written / 1e6:.1f} MB, {n} rows")


if __name__ == "__main__":
    main()
