//! The interval between two collections, from the manifests' RFC 3339 times: the one clock
//! both snapshots share is the node's own, as the collector wrote it.

/// Seconds since the epoch of an RFC 3339 time in UTC as the collector writes it
/// (`2024-01-15T10:05:10Z`, optionally with a fraction of a second or a `+00:00` offset).
pub fn epoch_seconds(text: &str) -> Option<f64> {
    let text = text.trim();
    let (date, rest) = text.split_once(['T', 't', ' '])?;
    let mut date_parts = date.splitn(3, '-');
    let year: i64 = date_parts.next()?.parse().ok()?;
    let month: u32 = date_parts.next()?.parse().ok()?;
    let day: u32 = date_parts.next()?.parse().ok()?;
    // The time of day, then `Z`, `+hh:mm` or `-hh:mm`.
    let zone_at = rest.find(['Z', 'z', '+', '-'])?;
    let (clock, zone) = rest.split_at(zone_at);
    let mut clock_parts = clock.splitn(3, ':');
    let hour: u32 = clock_parts.next()?.parse().ok()?;
    let minute: u32 = clock_parts.next()?.parse().ok()?;
    let second: f64 = clock_parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || !(0.0..61.0).contains(&second)
    {
        return None;
    }
    let offset_minutes: i64 = match zone {
        "Z" | "z" => 0,
        _ => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let (h, m) = zone.get(1..)?.split_once(':')?;
            let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
            sign * (h * 60 + m)
        }
    };
    let days = days_from_civil(year, month, day);
    let whole =
        days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 - offset_minutes * 60;
    Some(whole as f64 + second)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let month = i64::from(month);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Seconds from `old` to `new`; None when either time cannot be read.
pub fn interval_seconds(old: &str, new: &str) -> Option<f64> {
    Some(epoch_seconds(new)? - epoch_seconds(old)?)
}

/// `delta` per second over `interval`; None without a positive interval.
pub fn rate(delta: u64, interval: Option<f64>) -> Option<f64> {
    interval
        .filter(|s| *s > 0.0)
        .map(|seconds| delta as f64 / seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collector_times_read_as_seconds_since_the_epoch() {
        assert_eq!(epoch_seconds("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(epoch_seconds("2000-02-29T00:00:00Z"), Some(951_782_400.0));
        assert_eq!(epoch_seconds("2020-06-15T08:48:44Z"), Some(1_592_210_924.0));
        assert_eq!(
            epoch_seconds("2020-06-15T08:48:44.25Z"),
            Some(1_592_210_924.25)
        );
        assert_eq!(
            epoch_seconds("2020-06-15T10:48:44+02:00"),
            Some(1_592_210_924.0)
        );
        for bad in [
            "",
            "yesterday",
            "2020-13-01T00:00:00Z",
            "2020-06-15T08:48:44",
            "2020-06-15",
        ] {
            assert_eq!(epoch_seconds(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_interval_runs_from_old_to_new_and_rates_need_a_positive_one() {
        assert_eq!(
            interval_seconds("2024-01-15T10:00:00Z", "2024-01-15T10:05:00Z"),
            Some(300.0)
        );
        assert_eq!(
            interval_seconds("2024-01-15T10:05:00Z", "2024-01-15T10:00:00Z"),
            Some(-300.0)
        );
        assert_eq!(interval_seconds("", "2024-01-15T10:05:00Z"), None);
        assert_eq!(rate(3, Some(300.0)), Some(0.01));
        assert_eq!(rate(3, Some(0.0)), None);
        assert_eq!(rate(3, Some(-5.0)), None);
        assert_eq!(rate(3, None), None);
    }
}
