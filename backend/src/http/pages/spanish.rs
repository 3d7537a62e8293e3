//! Spanish for what the domain says in English and people read on Spanish pages: its common
//! errors, and the field errors of forms (the generic ones of `types::validation` and of the
//! value types), matched by their stable wording. A message not listed is shown as the domain
//! words it; `messages_of_the_value_types_read_in_spanish` lists every shape.

use crate::domain::Error;

/// The Spanish of the domain's errors that people meet on pages (links, limits, access).
/// Messages not listed are shown as the domain words them.
pub(super) fn error(error: &Error) -> Option<String> {
    let text = match error {
        Error::NotFound(what) => {
            return Some(match *what {
                "challenge" => "No hay ningún reto con esa dirección.".into(),
                "company" => "No hay ninguna empresa con esa dirección.".into(),
                "introduction" => "No hay ninguna presentación con esa dirección.".into(),
                _ => "No hemos encontrado lo que buscas.".into(),
            });
        }
        Error::Unauthenticated => return Some("Entra en Factoría para continuar.".into()),
        Error::RateLimited {
            retry_after_seconds,
        } => {
            return Some(format!(
                "Demasiados intentos seguidos: vuelve a probar dentro de {retry_after_seconds} s."
            ));
        }
        Error::Internal(_) => {
            return Some("Algo ha fallado por nuestra parte; lo hemos registrado.".into());
        }
        Error::Unavailable(_) => {
            return Some(
                "El servicio no está disponible ahora mismo; prueba de nuevo en un momento.".into(),
            );
        }
        Error::Invalid(faults) => {
            let parts: Vec<String> = faults
                .0
                .iter()
                .map(|f| {
                    let path = f.field.split('[').next().unwrap_or(&f.field);
                    let name = field_name(path).unwrap_or(path);
                    let message = field_message(&f.message).unwrap_or_else(|| f.message.clone());
                    format!("{name}: {message}")
                })
                .collect();
            return Some(parts.join(" "));
        }
        other => other.to_string(),
    };
    let spanish = match text.as_str() {
        "this link has already been used" => "Este enlace ya se ha usado.",
        "this link has expired" => "Este enlace ha caducado.",
        "this link is not valid" => "Este enlace no es válido.",
        "this introduction has expired" => "Esta presentación ha caducado.",
        "wrong email address or password" => "El correo o la contraseña no son correctos.",
        "administrators only" => "Solo para administradores.",
        "only members of a company may do this" => {
            "Solo los miembros de una empresa pueden hacer esto."
        }
        "this token may only read" => "Este token solo permite leer.",
        "you may act only for your own company" => "Solo puedes actuar en nombre de tu empresa.",
        "an account with this email address already exists" => {
            "Ya existe una cuenta con ese correo."
        }
        "tokens are created from a signed-in session, not with another token" => {
            "Los tokens se crean desde una sesión iniciada, no con otro token."
        }
        "these pages are for officers of a department" => {
            "Estas páginas son para el personal de un departamento."
        }
        "only officers of a department may create challenges" => {
            "Solo el personal de un departamento puede crear retos."
        }
        "only officers of the challenge's department may change it"
        | "only officers of the challenge's department edit it" => {
            "Solo el personal del departamento del reto puede modificarlo."
        }
        "only officers of the challenge's department see its matches"
        | "only officers of the challenge's department judge its matches"
        | "only officers of the challenge's department keep its shortlist" => {
            "Solo el personal del departamento del reto trabaja con sus empresas afines."
        }
        "only officers of the challenge's department see its introductions"
        | "only officers of the challenge's department introduce companies"
        | "only officers of the challenge's department record stages" => {
            "Solo el personal del departamento del reto gestiona sus presentaciones."
        }
        "only officers preview the supply for a challenge" => {
            "Solo el personal de un departamento puede ver la oferta disponible."
        }
        "only members of this company may change it" => {
            "Solo los miembros de esta empresa pueden modificarla."
        }
        "only members of the company see its introductions" => {
            "Solo los miembros de la empresa ven sus presentaciones."
        }
        "only members of the company see its recommendations" => {
            "Solo los miembros de la empresa ven sus recomendaciones."
        }
        "introductions are for published challenges" => {
            "Solo se presentan empresas a retos publicados."
        }
        "only published challenges can be followed or answered" => {
            "Solo se pueden seguir o responder retos publicados."
        }
        "a published challenge must be closed before it is awarded" => {
            "Un reto publicado debe cerrarse antes de adjudicarse."
        }
        "a challenge cannot go back to draft once published" => {
            "Un reto publicado no puede volver a borrador."
        }
        "a draft was never published, so there is nothing to cancel: it stays a draft, seen only by its department" => {
            "Un borrador nunca se publicó, así que no hay nada que cancelar: sigue en borrador, visible solo para su departamento."
        }
        text => return with_values(text),
    };
    Some(spanish.to_owned())
}

/// The Spanish of messages that carry a value: statuses, ids, deadlines.
fn with_values(text: &str) -> Option<String> {
    if let Some(call) = call_refusal(text) {
        return Some(call);
    }
    if let Some(status) = text.strip_prefix("the challenge is already ") {
        return Some(format!("El reto ya está {}.", status_es(status)?));
    }
    if let Some(rest) = text.strip_prefix("the challenge is ") {
        let (status, after) = rest.split_once(", which is final")?;
        let edited = if after.is_empty() {
            ""
        } else {
            ": ya no se puede modificar"
        };
        return Some(format!(
            "El reto está {}, que es definitivo{edited}.",
            status_es(status)?
        ));
    }
    if let Some(to) = text
        .strip_prefix("a draft cannot be ")
        .and_then(|rest| rest.strip_suffix(": publish it first"))
    {
        return Some(format!(
            "Un borrador no puede quedar {}: publícalo antes.",
            status_es(to)?
        ));
    }
    if let Some((from, to)) = text
        .strip_prefix("a ")
        .and_then(|rest| rest.split_once(" challenge cannot become "))
    {
        return Some(format!(
            "Un reto {} no puede quedar {}.",
            status_es(from)?,
            status_es(to)?
        ));
    }
    if text.starts_with("this introduction was already answered") {
        return Some("Esta presentación ya se respondió.".to_owned());
    }
    if text.starts_with("this company was already introduced to this challenge") {
        return Some("Esta empresa ya se presentó a este reto.".to_owned());
    }
    for (what, spanish) in [("challenge", "un reto"), ("company", "una empresa")] {
        if let Some(id) = text
            .strip_prefix(&format!("a {what} with id "))
            .and_then(|rest| rest.strip_suffix(" already exists"))
        {
            return Some(format!("Ya existe {spanish} con el identificador {id}."));
        }
    }
    None
}

/// The refusals of a call: closed deadlines, a challenge that takes no proposals.
fn call_refusal(text: &str) -> Option<String> {
    use factoria_frontend::dates::moment_in_spanish;
    for (english, spanish) in [
        ("proposals closed on ", "El plazo de propuestas terminó el "),
        ("questions closed on ", "El plazo de preguntas terminó el "),
        (
            "proposals are sealed until ",
            "Las propuestas están selladas hasta el ",
        ),
    ] {
        if let Some(rest) = text.strip_prefix(english) {
            let (moment, advice) = match rest.split_once(": ") {
                Some((moment, "extend the questions deadline to answer")) => {
                    (moment, ": amplía el plazo de preguntas para responder")
                }
                Some((moment, "the call can no longer change")) => {
                    (moment, ": la convocatoria ya no puede cambiar")
                }
                Some(_) => return None,
                None => (rest, ""),
            };
            return Some(format!("{spanish}{}{advice}.", moment_in_spanish(moment)?));
        }
    }
    if let Some(status) = text
        .strip_prefix("the challenge is ")
        .and_then(|rest| rest.strip_suffix(": it takes no proposals"))
    {
        return Some(format!(
            "El reto está {}: no admite propuestas.",
            status_es(status)?
        ));
    }
    Some(
        match text {
            "questions are for published challenges" => {
                "Solo se admiten preguntas en retos publicados."
            }
            "only members of the proposing company change a proposal" => {
                "Solo los miembros de la empresa que la presenta pueden cambiar una propuesta."
            }
            "this question is already answered" => "Esta pregunta ya tiene respuesta.",
            "only officers of the challenge's department add its documents" => {
                "Solo el personal del departamento del reto puede añadir sus documentos."
            }
            "only officers of the challenge's department remove its documents" => {
                "Solo el personal del departamento del reto puede eliminar sus documentos."
            }
            "members of the proposing company do not evaluate its proposal" => {
                "Los miembros de la empresa que presenta la propuesta no la evalúan."
            }
            _ => return None,
        }
        .to_owned(),
    )
}

/// A challenge's status as an adjective of «el reto».
fn status_es(status: &str) -> Option<&'static str> {
    Some(match status {
        "draft" => "en borrador",
        "published" => "publicado",
        "closed" => "cerrado",
        "awarded" => "adjudicado",
        "cancelled" => "cancelado",
        _ => return None,
    })
}

/// The Spanish name of an input field, for messages shown away from the form.
fn field_name(field: &str) -> Option<&'static str> {
    Some(match field {
        "name" => "Nombre",
        "email" => "Correo",
        "password" => "Contraseña",
        "department" => "Departamento",
        "title" => "Título",
        "summary" => "Resumen",
        "description" => "Descripción",
        "kind" => "Tipo",
        "size" => "Tamaño",
        "founded" => "Año de fundación",
        "region" => "Región",
        "municipality" => "Municipio",
        "website" => "Web",
        "contact.name" => "Persona de contacto",
        "contact.email" => "Correo de contacto",
        "tax_id" => "NIF",
        "languages" => "Idiomas",
        "capabilities" => "Capacidades",
        "technologies" => "Tecnologías",
        "sectors" => "Sectores",
        "cpv" => "Códigos CPV",
        "trl" | "trl_min" => "TRL",
        "certifications" => "Certificaciones",
        "budget_eur" => "Presupuesto",
        "deadline" => "Plazo",
        "outcomes" => "Resultados esperados",
        "requirements.must" => "Requisitos imprescindibles",
        "requirements.should" => "Requisitos deseables",
        "locale" => "Idioma",
        "scopes" => "Permisos",
        "file" => "Archivo",
        _ => return None,
    })
}

/// The Spanish of a field error, shown beside its input or after its field's name.
pub(super) fn field_message(message: &str) -> Option<String> {
    let fixed = match message {
        "is required" => Some("es obligatorio."),
        "must be one line" => Some("debe ocupar una sola línea."),
        "contains control characters" => Some("contiene caracteres de control."),
        "must be text" => Some("debe ser texto."),
        "must be a number" => Some("debe ser un número."),
        "must be a whole number" => Some("debe ser un número entero."),
        "must be true or false" => Some("debe ser sí o no."),
        "must be a list" => Some("debe ser una lista."),
        "is empty" => Some("está vacío."),
        "write your name (up to 120 characters)" => {
            Some("escribe tu nombre (hasta 120 caracteres).")
        }
        "write your name on one line" => Some("escribe tu nombre en una sola línea."),
        "use at least 10 characters" => Some("usa al menos 10 caracteres."),
        "use at most 200 characters" => Some("usa como máximo 200 caracteres."),
        "choose es or en" => Some("elige es o en."),
        "is not a date: write it as YYYY-MM-DD" => {
            Some("no es una fecha: escríbela como AAAA-MM-DD.")
        }
        "is before the first day" => Some("es anterior al primer día."),
        "new challenges come as a digest: use daily, weekly or off" => {
            Some("los retos nuevos llegan en un resumen: elige diario, semanal o ninguno.")
        }
        "is required to submit" => Some("es obligatorio para enviar la propuesta."),
        "is not a requirement of this challenge" => Some("no es un requisito de este reto."),
        "choose a file" => Some("elige un archivo."),
        "is larger than 20 MB" => Some("ocupa más de 20 MB."),
        "give the file a name of one line and at most 200 characters" => {
            Some("ponle al archivo un nombre de una línea y hasta 200 caracteres.")
        }
        "is not a PDF or an office document (Word, Excel, PowerPoint, OpenDocument, RTF), judging by its content" => {
            Some(
                "no es un PDF ni un documento de oficina (Word, Excel, PowerPoint, OpenDocument, RTF), a juzgar por su contenido.",
            )
        }
        "name the token in one line of up to 80 characters" => {
            Some("ponle al token un nombre de una línea, de hasta 80 caracteres.")
        }
        _ => None,
    };
    if let Some(fixed) = fixed {
        return Some(fixed.to_owned());
    }
    if let Some(requirement) =
        message.strip_prefix("say how the proposal meets this must-have requirement: ")
    {
        return Some(format!(
            "explica cómo cumple la propuesta este requisito obligatorio: {requirement}"
        ));
    }
    if let Some(euros) = between(message, "is above the call's maximum budget of ", " euros")
        .and_then(|n| n.parse::<u64>().ok())
    {
        return Some(format!(
            "supera el importe máximo de la convocatoria, {}.",
            factoria_frontend::pages::money(euros, true)
        ));
    }
    if let Some(n) = between(message, "is longer than ", " characters") {
        return Some(format!("tiene más de {n} caracteres."));
    }
    if let Some((items, max)) = between(message, "has ", " are allowed")
        .and_then(|middle| middle.split_once(" items; at most "))
    {
        return Some(format!(
            "tiene {items} elementos; se admiten como máximo {max}."
        ));
    }
    if let Some((n, range)) = message.split_once(" is out of range: use a number from ")
        && let Some((low, high)) = range.split_once(" to ")
    {
        return Some(format!(
            "{n} está fuera de rango: usa un número del {low} al {high}."
        ));
    }
    // `value` is not …: the value the person typed, then what it should have been.
    let (value, rest) = match message.strip_prefix('`').and_then(|m| m.split_once('`')) {
        Some((value, rest)) => (format!("«{value}»"), rest),
        None => {
            let (value, rest) = message.split_once(' ')?;
            (value.to_owned(), message.get(value.len()..).unwrap_or(rest))
        }
    };
    let said = match rest {
        " is not an email address like name@example.org" => {
            "no es una dirección de correo como nombre@ejemplo.es".to_owned()
        }
        " is longer than the 254 characters an address may have" => {
            "tiene más de los 254 caracteres que admite una dirección".to_owned()
        }
        " is not a web address like https://example.org" => {
            "no es una dirección web como https://ejemplo.es".to_owned()
        }
        " is not a CPV code: it needs 8 digits, like 72316000" => {
            "no es un código CPV: necesita 8 cifras, como 72316000".to_owned()
        }
        " is not a code of the CPV 2008 vocabulary" => {
            "no es un código del vocabulario CPV 2008".to_owned()
        }
        " is not a CPV division: two digits of the vocabulary, like 72" => {
            "no es una división CPV: dos cifras del vocabulario, como 72".to_owned()
        }
        " is not a Spanish tax id (NIF 12345678Z, NIE X1234567L or CIF B12345674)" => {
            "no es un NIF, NIE o CIF español (NIF 12345678Z, NIE X1234567L o CIF B12345674)"
                .to_owned()
        }
        " has a wrong check character: please copy the tax id again" => {
            "tiene mal el carácter de control: copia de nuevo el NIF".to_owned()
        }
        " is not a technology readiness level: use a whole number from 1 to 9" => {
            "no es un nivel de madurez tecnológica (TRL): usa un número entero del 1 al 9"
                .to_owned()
        }
        " is not a language code: use two letters, like es or en" => {
            "no es un código de idioma: usa dos letras, como es o en".to_owned()
        }
        " is not an amount of euros: use a positive number like 150000" => {
            "no es un importe en euros: usa un número positivo, como 150000".to_owned()
        }
        " has more than two decimals: amounts are in euros and cents" => {
            "tiene más de dos decimales: los importes van en euros y céntimos".to_owned()
        }
        " euros is beyond the 1,000,000,000 € a challenge can budget" => {
            "euros superan los 1.000.000.000 € que puede presupuestar un reto".to_owned()
        }
        other => {
            // A closed vocabulary: "`x` is not a company kind: use one of a, b, c".
            let (_, choices) = other
                .strip_prefix(" is not ")?
                .split_once(": use one of ")?;
            format!("no es válido: usa uno de estos valores: {choices}")
        }
    };
    Some(format!("{value} {said}."))
}

/// The text between `prefix` and `suffix` when `message` is exactly that.
fn between<'a>(message: &'a str, prefix: &str, suffix: &str) -> Option<&'a str> {
    message.strip_prefix(prefix)?.strip_suffix(suffix)
}

#[cfg(test)]
mod tests {
    use super::{error, field_message};
    use crate::domain::Error;
    use crate::types::validation::FieldErrors;

    #[test]
    fn errors_people_meet_on_pages_read_in_spanish() {
        assert_eq!(
            error(&Error::Forbidden("this link has already been used".into())).as_deref(),
            Some("Este enlace ya se ha usado.")
        );
        assert_eq!(
            error(&Error::NotFound("challenge")).as_deref(),
            Some("No hay ningún reto con esa dirección.")
        );
        assert_eq!(error(&Error::Forbidden("something new".into())), None);
        // Every refusal of a status change, made by the code itself.
        use crate::types::ChallengeStatus::{self, *};
        let statuses = [Draft, Published, Closed, Awarded, Cancelled];
        for from in statuses {
            for to in statuses {
                if let Err(message) = ChallengeStatus::check_transition(from, to) {
                    let spanish = error(&Error::Conflict(message.clone()));
                    assert!(
                        spanish
                            .as_deref()
                            .is_some_and(|s| s.starts_with("El reto") || s.starts_with("Un ")),
                        "{message:?} has no Spanish: {spanish:?}"
                    );
                }
            }
        }
        let mut faults = FieldErrors::one("name", "is required");
        faults.push(
            "cpv[1]",
            "`7231` is not a CPV code: it needs 8 digits, like 72316000",
        );
        assert_eq!(
            error(&Error::Invalid(faults)).as_deref(),
            Some(
                "Nombre: es obligatorio. Códigos CPV: «7231» no es un código CPV: necesita 8 cifras, como 72316000."
            )
        );
    }

    #[test]
    fn the_refusals_of_a_call_read_in_spanish() {
        let at = chrono::DateTime::parse_from_rfc3339("2027-01-31T13:00:00Z")
            .unwrap_or_else(|e| panic!("{e}"))
            .with_timezone(&chrono::Utc);
        let words = crate::domain::calls::deadline_words(at);
        let conflict = |text: String| error(&Error::Conflict(text));
        assert_eq!(
            conflict(format!("proposals closed on {words}")).as_deref(),
            Some("El plazo de propuestas terminó el 31 de enero de 2027, 14:00 (hora de Madrid).")
        );
        assert_eq!(
            conflict(format!(
                "questions closed on {words}: extend the questions deadline to answer"
            ))
            .as_deref(),
            Some(
                "El plazo de preguntas terminó el 31 de enero de 2027, 14:00 (hora de Madrid): amplía el plazo de preguntas para responder."
            )
        );
        assert_eq!(
            conflict("the challenge is closed: it takes no proposals".into()).as_deref(),
            Some("El reto está cerrado: no admite propuestas.")
        );
        assert_eq!(
            field_message("is above the call's maximum budget of 250000 euros").as_deref(),
            Some("supera el importe máximo de la convocatoria, 250.000 €.")
        );
        assert!(field_message("is required to submit").is_some());
        assert_eq!(
            error(&Error::forbidden(
                "members of the proposing company do not evaluate its proposal"
            ))
            .as_deref(),
            Some("Los miembros de la empresa que presenta la propuesta no la evalúan.")
        );
    }

    /// Every message the value types and the field reader produce, made by the code itself, has
    /// its Spanish: a new message without one fails here.
    #[test]
    fn messages_of_the_value_types_read_in_spanish() {
        use crate::types::{CompanyKind, Cpv, Email, Language, Money, TaxId, Trl, WebUrl};
        let made: Vec<String> = [
            Email::parse("nobody").err(),
            Email::parse(&format!("{}@example.org", "a".repeat(260))).err(),
            WebUrl::parse("not a url").err(),
            Cpv::parse("7231").err(),
            Cpv::parse("00000000").err(),
            Cpv::parse_division("00").err(),
            TaxId::parse("hello").err(),
            TaxId::parse("12345678A").err(),
            Trl::new(12).err(),
            Language::parse("xx").err(),
            Money::from_euros(-3.0).err(),
            Money::from_euros(1.005).err(),
            Money::from_euros(2e9).err(),
            CompanyKind::parse("tiny").err(),
        ]
        .into_iter()
        .map(|m| m.unwrap_or_else(|| panic!("a bad value was accepted")))
        .chain(
            [
                "is required",
                "is longer than 300 characters",
                "must be one line",
                "has 41 items; at most 40 are allowed",
                "1700 is out of range: use a number from 1800 to 2026",
            ]
            .map(str::to_owned),
        )
        .collect();
        for message in &made {
            let spanish = field_message(message);
            assert!(
                spanish
                    .as_deref()
                    .is_some_and(|s| !s.contains(" is ") && !s.contains(" use ")),
                "{message:?} has no Spanish: {spanish:?}"
            );
        }
    }
}
