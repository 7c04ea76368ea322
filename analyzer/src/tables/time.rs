//! RFC 3339 instants as the model writes them (`2026-11-29T03:19:56Z`, UTC, optionally with a
//! fraction) to microseconds since the epoch, for Parquet's TIMESTAMP columns.

/// Microseconds since 1970-01-01T00:00:00Z, or None when `text` is not a UTC RFC 3339 instant
/// (a damaged manifest can hold anything).
pub fn micros_since_epoch(text: &str) -> Option<i64> {
    let rest = text
        .strip_suffix('Z')
        .or_else(|| text.strip_suffix("+00:00"))?;
    let (date, time) = rest.split_once(['T', 't', ' '])?;
    let mut date_parts = date.splitn(3, '-');
    let year: i64 = digits(date_parts.next()?, 4)?;
    let month: i64 = digits(date_parts.next()?, 2)?;
    let day: i64 = digits(date_parts.next()?, 2)?;
    let (clock, fraction) = match time.split_once('.') {
        Some((clock, fraction)) => (clock, Some(fraction)),
        None => (time, None),
    };
    let mut clock_parts = clock.splitn(3, ':');
    let hour: i64 = digits(clock_parts.next()?, 2)?;
    let minute: i64 = digits(clock_parts.next()?, 2)?;
    let second: i64 = digits(clock_parts.next()?, 2)?;
    let valid = (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour < 24
        && minute < 60
        && second < 61;
    if !valid {
        return None;
    }
    let micros = match fraction {
        Some(f) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => {
            let padded = format!("{f:0<6}");
            padded[..6].parse::<i64>().ok()?
        }
        Some(_) => return None,
        None => 0,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second;
    seconds.checked_mul(1_000_000)?.checked_add(micros)
}

fn digits(text: &str, len: usize) -> Option<i64> {
    (text.len() == len && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the inverse of the model's
/// civil-from-days in `model::build`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_utc_instants_across_leap_days_to_the_second() {
        for (text, secs) in [
            ("1970-01-01T00:00:00Z", 0i64),
            ("2000-02-29T00:00:00Z", 951_782_400),
            ("2020-06-15T08:48:44Z", 1_592_210_924),
            ("2025-11-29T00:00:00Z", 1_764_374_400),
            ("2100-03-01T00:00:00Z", 4_107_542_400),
            ("1969-12-31T23:59:59Z", -1),
        ] {
            assert_eq!(micros_since_epoch(text), Some(secs * 1_000_000), "{text}");
        }
    }

    #[test]
    fn keeps_fractions_and_refuses_what_is_not_a_utc_instant() {
        assert_eq!(
            micros_since_epoch("1970-01-01T00:00:01.25Z"),
            Some(1_250_000)
        );
        assert_eq!(micros_since_epoch("1970-01-01T00:00:00+00:00"), Some(0));
        for bad in [
            "",
            "2026-11-29",
            "2026-11-29T03:19:56",
            "2026-11-29T03:19:56+02:00",
            "2026-02-30T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-11-29T24:00:00Z",
            "2026-11-29T03:19:56.Z",
            "+2026-11-29T03:19:56Z",
        ] {
            assert_eq!(micros_since_epoch(bad), None, "{bad:?}");
        }
    }
}
