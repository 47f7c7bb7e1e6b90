//! Time as integers: instants are milliseconds since the Unix epoch (UTC), durations
//! are milliseconds. Rule sets write durations as text ("7d", "36h") and events may
//! write instants as RFC 3339 text; both become exact integers here, so no floating
//! point touches a window edge.

pub const SECOND: i64 = 1_000;
pub const MINUTE: i64 = 60 * SECOND;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;
pub const WEEK: i64 = 7 * DAY;

/// Instants must lie within ±8.64e15 ms of the epoch (the range of a JavaScript `Date`).
pub const MAX_INSTANT_MS: i64 = 8_640_000_000_000_000;
/// Longest duration a rule set may name: 100 years.
pub const MAX_DURATION_MS: i64 = 36_525 * DAY;

/// A fixed offset from UTC written `+HH:MM` or `-HH:MM` (hours 00–23, minutes
/// 00–59: no `Z`, no time-zone name), in milliseconds.
pub fn parse_utc_offset(text: &str) -> Result<i64, String> {
    let refuse =
        || format!("\"{text}\" is not a UTC offset: write a sign, hours and minutes, like \"+02:00\" or \"-05:30\"");
    let b = text.as_bytes();
    let (sign, digits) = match b {
        [b'+', rest @ ..] => (1, rest),
        [b'-', rest @ ..] => (-1, rest),
        _ => return Err(refuse()),
    };
    let [h1, h2, b':', m1, m2] = digits else { return Err(refuse()) };
    let digit = |c: &u8| c.is_ascii_digit().then(|| i64::from(c - b'0'));
    let (Some(h1), Some(h2), Some(m1), Some(m2)) = (digit(h1), digit(h2), digit(m1), digit(m2)) else {
        return Err(refuse());
    };
    let (hours, minutes) = (h1 * 10 + h2, m1 * 10 + m2);
    if hours > 23 || minutes > 59 {
        return Err(refuse());
    }
    Ok(sign * (hours * HOUR + minutes * MINUTE))
}

/// Parses "90s", "30m", "36h", "7d", "2w" into milliseconds: exactly one or more
/// ASCII digits (a decimal number; leading zeros allowed) followed by one unit among
/// `ms`, `s`, `m`, `h`, `d`, `w`, in lower case, and nothing else: no sign, no
/// fraction, no space anywhere (" 7d", "7 d" and "7d " are refused). Zero passes
/// here; the caller refuses it.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    if text.contains(char::is_whitespace) {
        return Err(format!("\"{text}\" holds a space: write the number and its unit alone, like \"7d\""));
    }
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (digits, unit) = text.split_at_checked(split).unwrap_or((text, ""));
    if digits.is_empty() {
        return Err(format!("\"{text}\" is not a duration: write a whole number and a unit, like \"7d\", \"36h\", \"30m\", \"90s\" or \"2w\""));
    }
    if unit.starts_with(['.', ',']) && unit.get(1..).is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit())) {
        return Err(format!(
            "\"{text}\" holds a fraction: durations are whole numbers of a unit (\"36h\" for a day and a half)"
        ));
    }
    let n: i64 = digits.parse().map_err(|_| format!("\"{text}\" is too large a duration"))?;
    let unit_ms = match unit {
        "ms" => 1,
        "s" => SECOND,
        "m" => MINUTE,
        "h" => HOUR,
        "d" => DAY,
        "w" => WEEK,
        _ => return Err(format!("\"{text}\" has an unknown unit \"{unit}\": use ms, s, m, h, d or w")),
    };
    let ms = n.checked_mul(unit_ms).ok_or_else(|| format!("\"{text}\" is too large a duration"))?;
    if ms > MAX_DURATION_MS {
        return Err(format!("\"{text}\" is longer than the 100 years a rule set may name"));
    }
    Ok(ms)
}

/// Reads an instant from JSON: an integral number of milliseconds since the epoch,
/// or RFC 3339 text such as "2026-11-20T09:30:00Z" / "2026-11-20T10:30:00+01:00".
#[inline]
pub fn instant_from_json(v: &serde_json::Value) -> Result<i64, String> {
    match v {
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                check_range(i)
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                if f.is_finite() && f.fract() == 0.0 && f.abs() <= MAX_INSTANT_MS as f64 {
                    Ok(f as i64)
                } else {
                    Err(format!("{n} is not a whole number of milliseconds within the range of a date"))
                }
            }
        }
        serde_json::Value::String(s) => parse_rfc3339(s),
        serde_json::Value::Null => Err("is null: give milliseconds since the epoch or RFC 3339 text".into()),
        other => Err(format!(
            "is {}, not a timestamp: give milliseconds since the epoch or RFC 3339 text",
            crate::value::type_name(other)
        )),
    }
}

#[inline]
fn check_range(ms: i64) -> Result<i64, String> {
    if ms.abs() <= MAX_INSTANT_MS {
        Ok(ms)
    } else {
        Err(format!("{ms} is outside the range of a date (±8.64e15 ms)"))
    }
}

/// RFC 3339 with a mandatory offset ("Z" or ±hh:mm) and optional fraction of a second.
/// Never inlined: events' times and profile dates (`withinLast`) share one copy of
/// it in the page module.
#[inline(never)]
pub fn parse_rfc3339(s: &str) -> Result<i64, String> {
    let bad = || format!("\"{s}\" is not an RFC 3339 timestamp like \"2026-11-20T09:30:00Z\"");
    let b = s.as_bytes();
    if b.len() < 20 || !s.is_ascii() {
        return Err(bad());
    }
    let num = |from: usize, to: usize| -> Result<i64, String> {
        s.get(from..to)
            .filter(|d| d.bytes().all(|c| c.is_ascii_digit()))
            .and_then(|d| d.parse::<i64>().ok())
            .ok_or_else(bad)
    };
    let sep = |i: usize, want: &[u8]| b.get(i).is_some_and(|c| want.contains(c));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return Err(bad());
    }
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return Err(bad());
    }
    let mut i = 19;
    let mut millis = 0i64;
    if sep(19, b".") {
        let start = 20;
        let mut end = start;
        while b.get(end).is_some_and(|c| c.is_ascii_digit()) {
            end += 1;
        }
        if end == start {
            return Err(bad());
        }
        // Milliseconds are the resolution: further digits are truncated, never rounded up.
        let digits = s.get(start..end.min(start + 3)).ok_or_else(bad)?;
        let scale = [100, 10, 1];
        for (k, c) in digits.bytes().enumerate() {
            millis += i64::from(c - b'0') * scale.get(k).copied().unwrap_or(0);
        }
        i = end;
    }
    let offset_min = match s.get(i..) {
        Some("Z") | Some("z") => 0,
        Some(rest) if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) && sep(i + 3, b":") => {
            let h = num(i + 1, i + 3)?;
            let m = num(i + 4, i + 6)?;
            if h > 23 || m > 59 {
                return Err(bad());
            }
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (h * 60 + m)
        }
        _ => return Err(bad()),
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3_600 + minute * 60 + second.min(59) - offset_min * 60;
    check_range(secs * 1_000 + millis)
}

#[inline]
fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
#[inline]
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {

    #[test]
    fn utc_offsets_are_a_sign_hours_and_minutes() {
        assert_eq!(parse_utc_offset("+00:00"), Ok(0));
        assert_eq!(parse_utc_offset("+02:00"), Ok(2 * HOUR));
        assert_eq!(parse_utc_offset("-05:30"), Ok(-(5 * HOUR + 30 * MINUTE)));
        assert_eq!(parse_utc_offset("+23:59"), Ok(23 * HOUR + 59 * MINUTE));
        for bad in ["", "Z", "02:00", "+2:00", "+24:00", "+02:60", "+0200", "+02:00 ", "UTC", "+٠٢:00"] {
            assert!(parse_utc_offset(bad).is_err(), "{bad}");
        }
    }

    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("7d"), Ok(7 * DAY));
        assert_eq!(parse_duration("36h"), Ok(36 * HOUR));
        assert_eq!(parse_duration("2w"), Ok(14 * DAY));
        assert_eq!(parse_duration("250ms"), Ok(250));
        assert!(parse_duration("-7d").is_err());
        assert!(parse_duration("7 days").is_err());
        assert!(parse_duration("d").is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
        assert!(parse_duration("40000d").is_err());
    }

    /// The grammar exactly: ASCII digits (leading zeros allowed), then one
    /// lower-case unit, and nothing else.
    #[test]
    fn duration_grammar() {
        assert_eq!(parse_duration("007d"), Ok(7 * DAY));
        assert_eq!(parse_duration("00000000000000000000000000001ms"), Ok(1));
        assert_eq!(parse_duration("0d"), Ok(0));
        assert_eq!(parse_duration("1ms"), Ok(1));
        assert_eq!(parse_duration("90s"), Ok(90 * SECOND));
        assert_eq!(parse_duration("30m"), Ok(30 * MINUTE));
        assert_eq!(parse_duration("36525d"), Ok(MAX_DURATION_MS));
        assert_eq!(parse_duration("5217w"), Ok(5217 * WEEK));
        assert_eq!(parse_duration("3155760000000ms"), Ok(MAX_DURATION_MS));
        assert!(parse_duration("3155760000001ms").is_err());
        assert!(parse_duration("5218w").is_err());
        for bad in [
            "",
            "7",
            "d",
            " 7d",
            "7d ",
            "7 d",
            "\t7d",
            "7d\n",
            "7\u{a0}d",
            "\u{3000}7d",
            "+7d",
            "-7d",
            "1.5d",
            "7.0d",
            "1e3ms",
            "7D",
            "7Ms",
            "7MS",
            "7dd",
            "7days",
            "7mss",
            "d7",
            "7d7",
            "٧d",
            "７d",
            "0x7d",
            "7_000ms",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
        for fraction in ["1.5d", "7.0d", "2,5h"] {
            let m = parse_duration(fraction).unwrap_err();
            assert!(m.contains("holds a fraction") && m.contains("whole numbers"), "{m}");
        }
    }

    #[test]
    fn rfc3339() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_rfc3339("2026-11-20T09:30:00Z"), Ok(1_795_167_000_000));
        assert_eq!(parse_rfc3339("2026-11-20T10:30:00.250+01:00"), Ok(1_795_167_000_250));
        assert_eq!(parse_rfc3339("2024-02-29T00:00:00Z"), Ok(1_709_164_800_000));
        assert!(parse_rfc3339("2023-02-29T00:00:00Z").is_err());
        assert!(parse_rfc3339("2026-11-20").is_err());
        assert!(parse_rfc3339("2026-11-20T09:30:00").is_err());
        assert!(parse_rfc3339("2026-13-20T09:30:00Z").is_err());
    }
}
