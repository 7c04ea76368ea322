//! Wall-clock formatting without a date library: RFC 3339 and the compact stamp used in file names.

use std::time::{SystemTime, UNIX_EPOCH};

/// A civil (proleptic Gregorian) date and time in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcDateTime {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

/// Converts days since 1970-01-01 into (year, month, day); Howard Hinnant's `civil_from_days`,
/// exact for every day in the i64 range that matters here.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl UtcDateTime {
    /// The UTC civil time `unix_seconds` after the epoch (negative values count backwards).
    pub fn from_unix_seconds(unix_seconds: i64) -> UtcDateTime {
        let days = unix_seconds.div_euclid(86_400);
        let second_of_day = unix_seconds.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        UtcDateTime {
            year,
            month,
            day,
            hour: second_of_day / 3600,
            minute: second_of_day / 60 % 60,
            second: second_of_day % 60,
        }
    }

    /// `2026-11-28T23:54:38Z`.
    pub fn rfc3339(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// `20261128T235438Z`, for file names.
    pub fn compact(&self) -> String {
        format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

/// Seconds since the epoch of a system time; times before the epoch count as the epoch.
pub fn unix_seconds(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_match_known_days() {
        let cases: &[(i64, (i64, u32, u32))] = &[
            (0, (1970, 1, 1)),
            (-1, (1969, 12, 31)),
            (59, (1970, 3, 1)),
            (10_957, (2000, 1, 1)),
            (11_017, (2000, 3, 1)),
            (11_016, (2000, 2, 29)),
            (19_417, (2023, 3, 1)),
            (19_782, (2024, 2, 29)),
            (20_785, (2026, 11, 28)),
            (47_541, (2100, 3, 1)),
            (-719_468, (0, 3, 1)),
        ];
        for &(days, expected) in cases {
            assert_eq!(civil_from_days(days), expected, "day {days}");
        }
    }

    #[test]
    fn rfc3339_and_compact_forms_of_a_known_instant() {
        let time = UtcDateTime::from_unix_seconds(1_795_910_078);
        assert_eq!(time.rfc3339(), "2026-11-28T23:54:38Z");
        assert_eq!(time.compact(), "20261128T235438Z");
    }

    #[test]
    fn epoch_and_end_of_day_format_with_zero_padding() {
        assert_eq!(
            UtcDateTime::from_unix_seconds(0).rfc3339(),
            "1970-01-01T00:00:00Z"
        );
        assert_eq!(
            UtcDateTime::from_unix_seconds(86_399).rfc3339(),
            "1970-01-01T23:59:59Z"
        );
        assert_eq!(
            UtcDateTime::from_unix_seconds(951_868_800).rfc3339(),
            "2000-03-01T00:00:00Z"
        );
    }

    #[test]
    fn round_trip_over_four_centuries_is_consecutive() {
        let mut previous = civil_from_days(-1);
        for days in 0..146_097 * 2 {
            let current = civil_from_days(days);
            let next_day_same_month =
                current.0 == previous.0 && current.1 == previous.1 && current.2 == previous.2 + 1;
            let first_of_month = current.2 == 1
                && ((current.0 == previous.0 && current.1 == previous.1 + 1)
                    || (current.0 == previous.0 + 1 && current.1 == 1 && previous.1 == 12));
            assert!(
                next_day_same_month || first_of_month,
                "{previous:?} -> {current:?}"
            );
            previous = current;
        }
    }
}
