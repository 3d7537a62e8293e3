//! Text analysis for Spanish and English: lower-casing, accent folding (so `innovacion` finds
//! `innovación`), stop words and Snowball stemming in the document's language.
//!
//! Accents are folded *before* stemming and stop words, so a word typed with or without its
//! accents always becomes the same term.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, TokenStream,
};

/// The two languages Factoría analyses and speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Spanish.
    Es,
    /// English.
    En,
}

impl Lang {
    /// Both languages.
    pub const ALL: [Lang; 2] = [Lang::Es, Lang::En];

    /// The ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
        }
    }

    /// From an ISO 639-1 code; anything but `en` is read as Spanish, the administration's
    /// language.
    pub fn from_code(code: &str) -> Lang {
        if code.eq_ignore_ascii_case("en") {
            Lang::En
        } else {
            Lang::Es
        }
    }

    /// Name of the tantivy analyzer for this language.
    pub fn analyzer_name(self) -> &'static str {
        match self {
            Lang::Es => "factoria_es",
            Lang::En => "factoria_en",
        }
    }
}

const STOP_ES: &str = "a al algo algunas algunos ante antes como con contra cual cuando de del desde donde durante e el ella ellas ellos en entre era erais eramos eran eras eres es esa esas ese eso esos esta estaba estado estais estamos estan estar estas este esto estos estoy fue fueron fui fuimos ha habeis habia hace hacen han has hasta hay he hemos la las le les lo los mas me mi mis mucho muchos muy nada ni no nos nosotros o os otra otras otro otros para pero poco por porque puede pueden que quien quienes se sea sean segun ser si sido sin sobre son su sus tambien tanto te tiene tienen todo todos tras tu tus un una uno unos y ya";

const STOP_EN: &str = "a about above after again against all am an and any are as at be been before being below between both but by can could did do does doing down during each few for from further had has have having he her here hers him his how i if in into is it its itself just me more most my no nor not now of off on once only or other our ours out over own same she should so some such than that the their theirs them then there these they this those through to too under until up very was we were what when where which while who whom why will with would you your yours";

fn analyzer(lang: Lang) -> TextAnalyzer {
    let (stop, language) = match lang {
        Lang::Es => (STOP_ES, Language::Spanish),
        Lang::En => (STOP_EN, Language::English),
    };
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::remove(stop.split(' ').map(str::to_owned)))
        .filter(Stemmer::new(language))
        .build()
}

/// Registers the Spanish and English analyzers on an index.
pub fn register(index: &tantivy::Index) {
    for lang in Lang::ALL {
        index
            .tokenizers()
            .register(lang.analyzer_name(), analyzer(lang));
    }
}

/// The terms `text` becomes in `lang`, in order, repeats kept.
pub fn terms(lang: Lang, text: &str) -> Vec<String> {
    let mut analyzer = analyzer(lang);
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// Guesses whether `text` is Spanish or English; short or ambiguous text counts as Spanish.
pub fn detect_language(text: &str) -> Lang {
    let detector =
        whatlang::Detector::with_allowlist(vec![whatlang::Lang::Spa, whatlang::Lang::Eng]);
    match detector.detect_lang(text) {
        Some(whatlang::Lang::Eng) => Lang::En,
        _ => Lang::Es,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_and_case_do_not_matter() {
        assert_eq!(terms(Lang::Es, "Innovación"), terms(Lang::Es, "innovacion"));
        assert_eq!(
            terms(Lang::Es, "ANÁLISIS de Datos"),
            terms(Lang::Es, "analisis datos")
        );
    }

    #[test]
    fn stems_in_the_language_and_drops_stop_words() {
        assert_eq!(
            terms(Lang::En, "the hospitals"),
            terms(Lang::En, "hospital")
        );
        assert_eq!(
            terms(Lang::Es, "los hospitales"),
            terms(Lang::Es, "hospital")
        );
    }

    #[test]
    fn detects_spanish_and_english() {
        assert_eq!(
            detect_language("Detección temprana de fugas en redes de abastecimiento de agua"),
            Lang::Es
        );
        assert_eq!(
            detect_language("Early detection of wildfires in the mountains around the city"),
            Lang::En
        );
    }
}
