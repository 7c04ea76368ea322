//! Numbers in the units people read, in two deliberate styles, one per medium:
//!
//! - prose, for findings' messages, error messages and the HTML report: IEC units with a space
//!   (`512 MiB`, `1.5 GiB`, `900 B`), thousands separators (`20,000`), spelled-out durations
//!   (`1.8 s`, `1 d 17 h`);
//! - compact, for the terminal views' columns and `inspect`: Kubernetes quantities (`512Mi`,
//!   `1.5Gi`), which engineers compare with the pod spec's `resources.limits`, and short
//!   durations (`1.5s`, `1d 17h`).
//!
//! CPUs read the same in both: `0.5 CPU`, `1 CPU`, `2 CPUs`.

/// Bytes in prose: `900 B`, `1.5 KiB`, `512 MiB`, `16 EiB`; no decimal when the value is whole
/// or at least 100 of its unit.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{} {}", decimal(value), UNITS[unit])
}

/// Bytes as a Kubernetes quantity: exact multiples whole (`512Mi`), others with one decimal
/// (`1.5Gi`); below 1Ki the plain number of bytes (`900B`).
pub fn bytes_compact(value: u64) -> String {
    const UNITS: [(&str, u64); 5] = [
        ("Pi", 1 << 50),
        ("Ti", 1 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("Ki", 1 << 10),
    ];
    for (suffix, size) in UNITS {
        if value >= size {
            if value.is_multiple_of(size) {
                return format!("{}{suffix}", value / size);
            }
            return format!("{:.1}{suffix}", value as f64 / size as f64);
        }
    }
    format!("{value}B")
}

/// At most one decimal, none when the value is whole or large: `1.5`, `512`, `120`.
fn decimal(value: f64) -> String {
    if value >= 100.0 || (value - value.round()).abs() < 0.05 {
        format!("{:.0}", value)
    } else {
        format!("{:.1}", value)
    }
}

/// A CFS quota as a number of CPUs, rounded to hundredths: `0.5 CPU`, `1 CPU`, `2 CPUs`,
/// `0.25 CPU`. A period of 0 (which no kernel writes) is shown as it is.
pub fn cpus(quota_usec: u64, period_usec: u64) -> String {
    if period_usec == 0 {
        return format!("quota {quota_usec} µs, period 0");
    }
    let (quota, period) = (u128::from(quota_usec), u128::from(period_usec));
    let hundredths = (quota * 100 + period / 2) / period;
    let (whole, frac) = (hundredths / 100, hundredths % 100);
    let number = if frac == 0 {
        whole.to_string()
    } else if frac.is_multiple_of(10) {
        format!("{whole}.{}", frac / 10)
    } else {
        format!("{whole}.{frac:02}")
    };
    let unit = if hundredths > 100 { "CPUs" } else { "CPU" };
    format!("{number} {unit}")
}

/// A whole number with thousands separators: `20,000`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// `part` as a percentage of `whole`, `None` when the whole is zero.
pub fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// A percentage as people read it: `23%`, `0.4%`, `100%`.
pub fn percent_text(p: f64) -> String {
    if p > 0.0 && p < 1.0 {
        format!("{p:.1}%")
    } else {
        format!("{p:.0}%")
    }
}

/// Milliseconds in prose: `850 ms`, `1.8 s` or `2 min 3 s`.
pub fn duration_ms(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{} s", decimal(ms as f64 / 1000.0))
    } else {
        format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

/// A rate of events as people read it, in the unit that gives a readable number: `3.5/s`,
/// `12/min`, `0.2/min`, `1.5/h`; the same in prose and in columns.
pub fn rate(per_second: f64) -> String {
    let per_minute = per_second * 60.0;
    if per_second >= 1.0 {
        format!("{}/s", decimal(per_second))
    } else if per_minute >= 0.1 {
        format!("{}/min", decimal(per_minute))
    } else {
        format!("{}/h", decimal(per_minute * 60.0))
    }
}

/// Microseconds, compact: `1.5s`, `2m03s`, `4h07m`.
pub fn duration_compact(usec: u64) -> String {
    let secs = usec / 1_000_000;
    if secs < 60 {
        let tenths = usec / 100_000;
        return format!("{}.{}s", tenths / 10, tenths % 10);
    }
    if secs < 3600 {
        return format!("{}m{:02}s", secs / 60, secs % 60);
    }
    format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60)
}

/// An uptime in prose: `1 d 17 h`, `3 h 12 min` or `45 s`.
pub fn uptime(secs: u64) -> String {
    let (days, hours, mins) = (secs / 86_400, (secs % 86_400) / 3600, (secs % 3600) / 60);
    if days > 0 {
        format!("{days} d {hours} h")
    } else if hours > 0 {
        format!("{hours} h {mins} min")
    } else if mins > 0 {
        format!("{mins} min {} s", secs % 60)
    } else {
        format!("{secs} s")
    }
}

/// An uptime compact, as `systemctl status` prints it: `1d 17h`, `3h 05m`, `42s`.
pub fn uptime_compact(secs: u64) -> String {
    let days = secs / 86_400;
    let hours = (secs % 86_400) / 3600;
    let minutes = (secs % 3600) / 60;
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {minutes:02}m")
    } else if minutes > 0 {
        format!("{minutes}m")
    } else {
        format!("{secs}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_bytes_use_iec_units_with_a_space() {
        let cases = [
            (0, "0 B"),
            (512, "512 B"),
            (1023, "1023 B"),
            (1024, "1 KiB"),
            (1536, "1.5 KiB"),
            (268_435_456, "256 MiB"),
            (536_870_912, "512 MiB"),
            (125_829_120, "120 MiB"),
            (1_610_612_736, "1.5 GiB"),
            (u64::MAX, "16 EiB"),
        ];
        for (n, expected) in cases {
            assert_eq!(bytes(n), expected, "{n}");
        }
    }

    #[test]
    fn compact_bytes_are_kubernetes_quantities() {
        let cases = [
            (0, "0B"),
            (1023, "1023B"),
            (1024, "1Ki"),
            (512 << 20, "512Mi"),
            (3 << 29, "1.5Gi"),
            (16 << 30, "16Gi"),
            (1 << 40, "1Ti"),
        ];
        for (value, expected) in cases {
            assert_eq!(bytes_compact(value), expected, "{value}");
        }
    }

    #[test]
    fn cpus_divide_quota_by_period_and_are_plural_above_one() {
        let cases = [
            (200_000, 100_000, "2 CPUs"),
            (100_000, 100_000, "1 CPU"),
            (50_000, 100_000, "0.5 CPU"),
            (25_000, 100_000, "0.25 CPU"),
            (150_000, 100_000, "1.5 CPUs"),
            (10_000, 100_000, "0.1 CPU"),
            (100_400, 100_000, "1 CPU"),
            (u64::MAX, 1, "18446744073709551615 CPUs"),
            (1, 0, "quota 1 µs, period 0"),
        ];
        for (quota, period, expected) in cases {
            assert_eq!(cpus(quota, period), expected, "{quota} / {period}");
        }
    }

    #[test]
    fn counts_percentages_and_durations_read_like_people_write_them() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(20_000), "20,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(percent(1, 4).map(percent_text).as_deref(), Some("25%"));
        assert_eq!(percent(1, 0), None);
        assert_eq!(percent_text(0.4), "0.4%");
        assert_eq!(duration_ms(850), "850 ms");
        assert_eq!(duration_ms(1830), "1.8 s");
        assert_eq!(duration_ms(123_000), "2 min 3 s");
        assert_eq!(uptime(149_000), "1 d 17 h");
        assert_eq!(uptime(45), "45 s");
    }

    #[test]
    fn rates_take_the_unit_that_gives_a_readable_number() {
        assert_eq!(rate(3.5), "3.5/s");
        assert_eq!(rate(120.0), "120/s");
        assert_eq!(rate(0.2), "12/min");
        assert_eq!(rate(1.0 / 300.0), "0.2/min");
        assert_eq!(rate(1.0 / 3600.0), "1/h");
        assert_eq!(rate(0.0), "0/h");
    }

    #[test]
    fn compact_durations_and_uptimes_read_like_systemctl() {
        assert_eq!(duration_compact(1_500_000), "1.5s");
        assert_eq!(duration_compact(123_000_000), "2m03s");
        assert_eq!(
            duration_compact(4 * 3600 * 1_000_000 + 420_000_000),
            "4h07m"
        );
        assert_eq!(uptime_compact(150_000), "1d 17h");
        assert_eq!(uptime_compact(3 * 3600 + 300), "3h 05m");
        assert_eq!(uptime_compact(42), "42s");
    }
}
