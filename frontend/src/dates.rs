//! Dates and times as people read them, in Spanish or English; times in Madrid's time zone,
//! where the administration is, whatever the server's zone.

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Madrid;

const MONTHS_ES: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date as people write it: «21 de diciembre de 2026», "21 December 2026".
pub fn long_date(es: bool, date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let month = date.month0() as usize;
    if es {
        format!("{} de {} de {}", date.day(), MONTHS_ES[month], date.year())
    } else {
        format!("{} {} {}", date.day(), MONTHS_EN[month], date.year())
    }
}

/// A month as people write it: «diciembre de 2026», "December 2026".
pub fn month(es: bool, date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let month = date.month0() as usize;
    if es {
        format!("{} de {}", MONTHS_ES[month], date.year())
    } else {
        format!("{} {}", MONTHS_EN[month], date.year())
    }
}

/// A moment in Madrid time: «31 de enero de 2027, 14:00 (hora de Madrid)», "31 January 2027,
/// 14:00 (Madrid time)".
pub fn moment(es: bool, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&Madrid);
    let day = long_date(es, local.date_naive());
    let time = local.format("%H:%M");
    if es {
        format!("{day}, {time} (hora de Madrid)")
    } else {
        format!("{day}, {time} (Madrid time)")
    }
}

/// The Spanish of a moment [`moment`] wrote in English ("31 January 2027, 14:00 (Madrid
/// time)"), for messages the domain words in English.
pub fn moment_in_spanish(english: &str) -> Option<String> {
    let wall = english.trim().strip_suffix(" (Madrid time)")?;
    let at = chrono::NaiveDateTime::parse_from_str(wall, "%d %B %Y, %H:%M").ok()?;
    Some(format!(
        "{}, {} (hora de Madrid)",
        long_date(true, at.date()),
        at.format("%H:%M")
    ))
}

/// The day a moment falls on in Madrid.
pub fn madrid_day(at: DateTime<Utc>) -> chrono::NaiveDate {
    at.with_timezone(&Madrid).date_naive()
}

/// A moment in Madrid time as an HTML `datetime-local` value, `2027-01-31T14:00`.
pub fn madrid_input(at: DateTime<Utc>) -> String {
    at.with_timezone(&Madrid)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// Reads a moment: with an offset (`2027-01-31T14:00:00+01:00`, `…Z`), or a Madrid wall-clock
/// time (`2027-01-31T14:00`, what a `datetime-local` field sends). A wall-clock time that does
/// not exist or happens twice when the clocks change is refused.
pub fn parse_moment(text: &str) -> Result<DateTime<Utc>, String> {
    use chrono::offset::LocalResult;
    use chrono::{NaiveDateTime, TimeZone};
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| format!("`{text}` is not a date and time like 2027-01-31T14:00"))?;
    match Madrid.from_local_datetime(&local) {
        LocalResult::Single(at) => Ok(at.with_timezone(&Utc)),
        _ => Err(format!(
            "`{text}` does not name one moment in Madrid (the clocks change then)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_are_shown_and_read_in_madrid_time() {
        let winter = parse_moment("2027-01-31T14:00").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(winter.to_rfc3339(), "2027-01-31T13:00:00+00:00");
        let summer = parse_moment("2027-07-01T14:00").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(summer.to_rfc3339(), "2027-07-01T12:00:00+00:00");
        assert_eq!(
            moment(true, winter),
            "31 de enero de 2027, 14:00 (hora de Madrid)"
        );
        assert_eq!(moment(false, summer), "1 July 2027, 14:00 (Madrid time)");
        assert_eq!(madrid_input(summer), "2027-07-01T14:00");
        let utc = parse_moment("2027-01-31T13:00:00Z").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(utc, winter);
        assert!(parse_moment("2027-03-28T02:30").is_err(), "a skipped hour");
        assert!(parse_moment("31/01/2027").is_err());
        assert_eq!(
            moment_in_spanish(&moment(false, winter)).as_deref(),
            Some("31 de enero de 2027, 14:00 (hora de Madrid)")
        );
    }
}
