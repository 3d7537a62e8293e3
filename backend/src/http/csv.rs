//! CSV downloads of what a page or the API lists: UTF-8 (with the byte-order mark spreadsheet
//! programs need to read accents), a header row, one row per item. A cell that a spreadsheet
//! would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return first) is written with a
//! leading apostrophe, so a company name cannot smuggle a formula into an officer's sheet.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::pages::labels;
use crate::domain::Error;
use crate::domain::search::SearchResponse;

/// Rows under a header.
#[derive(Debug, Default)]
pub struct Table {
    /// Column names, in the reader's language.
    pub header: Vec<String>,
    /// One row per item, as many cells as the header.
    pub rows: Vec<Vec<String>>,
}

/// Challenge search results as a table in Spanish or English: raw dates (YYYY-MM-DD) and
/// amounts (whole euros) that a spreadsheet reads as such.
pub fn challenge_results(es: bool, public_url: &str, response: &SearchResponse) -> Table {
    let header = [
        ("Reto", "Challenge"),
        ("Título", "Title"),
        ("Departamento", "Department"),
        ("Estado", "Status"),
        ("Plazo", "Deadline"),
        ("Presupuesto (EUR)", "Budget (EUR)"),
        ("TRL mínimo", "Minimum TRL"),
        ("Sectores", "Sectors"),
        ("Resumen", "Summary"),
        ("Enlace", "Link"),
    ];
    let sectors = |keys: &[String]| {
        keys.iter()
            .map(|k| factoria_frontend::sectors::name(k, es))
            .collect::<Vec<_>>()
            .join("; ")
    };
    Table {
        header: header
            .iter()
            .map(|(s, e)| if es { *s } else { *e }.to_owned())
            .collect(),
        rows: response
            .items
            .iter()
            .map(|item| {
                vec![
                    item.id.clone(),
                    item.title.clone(),
                    item.department.clone().unwrap_or_default(),
                    item.status
                        .as_deref()
                        .map(|s| labels::status_text_in(es, s))
                        .unwrap_or_default(),
                    item.deadline.map(|d| d.to_string()).unwrap_or_default(),
                    item.budget_eur.map(|b| b.to_string()).unwrap_or_default(),
                    item.trl.map(|t| t.to_string()).unwrap_or_default(),
                    sectors(&item.sectors),
                    item.summary.clone().unwrap_or_default(),
                    format!("{public_url}challenges/{}", item.id),
                ]
            })
            .collect(),
    }
}

/// Whether the request asks for CSV: `format=csv`, or `text/csv` as its `Accept`.
pub fn wanted(headers: &HeaderMap, format: Option<&str>) -> bool {
    format.is_some_and(|f| f.trim().eq_ignore_ascii_case("csv"))
        || headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| {
                accept
                    .split(',')
                    .any(|t| t.split(';').next().is_some_and(|t| t.trim() == "text/csv"))
            })
}

/// A cell as written: formulas made inert.
fn inert(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// The table as UTF-8 CSV bytes, with the byte-order mark.
pub fn bytes(table: &Table) -> Result<Vec<u8>, Error> {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let fail = |e: csv::Error| Error::Internal(anyhow::anyhow!("csv: {e}"));
    writer.write_record(&table.header).map_err(fail)?;
    for row in &table.rows {
        writer
            .write_record(row.iter().map(|cell| inert(cell).into_owned()))
            .map_err(fail)?;
    }
    writer
        .into_inner()
        .map_err(|e| Error::Internal(anyhow::anyhow!("csv: {e}")))
}

/// The table as a download named `filename`.
pub fn response(filename: &str, table: &Table) -> Response {
    match bytes(table) {
        Ok(body) => {
            let mut response = (StatusCode::OK, body).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            if let Ok(value) =
                HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
            {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(error) => ApiError(error).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_inert_and_quotes_survive() {
        let table = Table {
            header: vec!["nombre".into(), "nota".into()],
            rows: vec![
                vec!["=HYPERLINK(\"http://evil\")".into(), "-3".into()],
                vec!["Agua, S.L.".into(), "dice \"hola\"".into()],
            ],
        };
        let text = String::from_utf8(bytes(&table).unwrap_or_default()).unwrap_or_default();
        assert_eq!(
            text,
            "\u{feff}nombre,nota\n\"'=HYPERLINK(\"\"http://evil\"\")\",'-3\n\"Agua, S.L.\",\"dice \"\"hola\"\"\"\n"
        );
    }

    #[test]
    fn csv_is_asked_by_format_or_accept() {
        let mut headers = HeaderMap::new();
        assert!(wanted(&headers, Some("CSV")));
        assert!(!wanted(&headers, None));
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/html, text/csv;q=0.9"),
        );
        assert!(wanted(&headers, None));
    }
}
