//! The demo: a fresh SQLite database with generated, realistic data — challenges of a dozen
//! departments and companies across the administration's domains, in Spanish and English —
//! and accounts to try every role.
//!
//! The content comes from `catalog.json`: per domain, written-out challenges and company
//! archetypes (what a kind of company does). Companies are generated from the archetypes with
//! their own names, places, sizes, maturity and certifications, so competitors resemble each
//! other the way real ones do. Generation is seeded: every demo has the same data.

mod generate;

use std::path::Path;

use anyhow::Context as _;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::app::{self, App, IndexLocation};
use crate::config::Config;
use crate::db::entities::{company, department};
use crate::domain::accounts;
use crate::types::Email;

pub use generate::{DemoData, generate};

/// Password of every demo account.
pub const DEMO_PASSWORD: &str = "factoria-demo";

fn remove_if_present(path: &Path) -> anyhow::Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(path)
            .with_context(|| format!("cannot remove {}", path.display())),
        Ok(_) => {
            std::fs::remove_file(path).with_context(|| format!("cannot remove {}", path.display()))
        }
        Err(_) => Ok(()),
    }
}

/// Creates the demo in the configured data folder and, when `serve`, serves it.
pub async fn run(config: Config, serve: bool) -> anyhow::Result<()> {
    if !config.is_sqlite() {
        anyhow::bail!(
            "the demo creates a fresh SQLite database; unset FACTORIA_DATABASE_URL or point it at sqlite://"
        );
    }
    let data_dir = config.data_dir.clone();
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    for name in [
        "factoria.sqlite",
        "factoria.sqlite-wal",
        "factoria.sqlite-shm",
        "index",
        "outbox",
    ] {
        remove_if_present(&data_dir.join(name))?;
    }
    eprintln!("Creating a fresh demo in {}", data_dir.display());
    let today = chrono::Utc::now().date_naive();
    let data = generate(2026, today);
    let companies_file = data_dir.join("demo-companies.jsonl");
    let challenges_file = data_dir.join("demo-challenges.jsonl");
    data.write(&companies_file, &challenges_file)?;
    eprintln!(
        "Generated {} companies and {} challenges ({} and {})",
        data.companies.len(),
        data.challenges.len(),
        companies_file.display(),
        challenges_file.display()
    );

    let ctx = app::context(config.clone(), None, IndexLocation::Unused).await?;
    let bar = crate::progress::bar(
        (data.companies.len() + data.challenges.len()) as u64,
        "loading",
    );
    let report = crate::domain::bulk::import(
        &ctx,
        Some(&companies_file),
        Some(&challenges_file),
        true,
        &|n| bar.set_position(n as u64),
    )
    .await?;
    bar.finish_and_clear();
    if !report.errors.is_empty() {
        anyhow::bail!(
            "the generated demo data has faults (a bug): {:?}",
            report.errors
        );
    }
    let accounts = create_accounts(&ctx, &data).await?;
    let calls = open_calls(&ctx).await?;
    eprintln!("Opened {calls} calls for proposals, judged by each department's officer");
    eprintln!(
        "Embedding every profile and challenge with multilingual-e5-small (a minute or two on two cores)…"
    );
    crate::embedding::embed_pending(&ctx).await?;
    let embedder = ctx.search.embedder.clone();
    drop(ctx);

    eprintln!("\nDemo accounts (password `{DEMO_PASSWORD}`):");
    for (role, email) in &accounts {
        eprintln!("  {role:<44} {email}");
    }
    if !serve {
        return Ok(());
    }
    let bind = config.bind;
    let app = App::start(config, Some(embedder), IndexLocation::Disk).await?;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    eprintln!(
        "\nFactoría demo: http://{bind}/   API reference: http://{bind}/api/docs   Emails: {}",
        data_dir.join("outbox").display()
    );
    app.serve(listener, app::shutdown_signal()).await
}

/// Challenges that run a call in the demo, at most.
const DEMO_CALLS: usize = 6;

/// Calls on the published challenges that close soonest (at least eight days away): criteria,
/// questions until a week before the deadline, proposals until 14:00 in Madrid on it, judged by
/// the department's officer.
async fn open_calls(ctx: &crate::context::Context) -> anyhow::Result<usize> {
    use crate::db::entities::{challenge, membership};
    use crate::domain::calls::{self, CallSettings, Criterion};
    use sea_orm::QueryOrder;
    let first_day = chrono::Utc::now().date_naive() + chrono::Duration::days(8);
    let candidates = challenge::Entity::find()
        .filter(challenge::Column::Status.eq(crate::types::ChallengeStatus::Published))
        .filter(challenge::Column::Deadline.gte(first_day))
        .order_by_asc(challenge::Column::Deadline)
        .all(&ctx.db)
        .await?;
    let mut opened = 0;
    for row in candidates.into_iter().take(DEMO_CALLS) {
        let Some(officer) = membership::Entity::find()
            .filter(membership::Column::DepartmentId.eq(row.department_id))
            .one(&ctx.db)
            .await?
        else {
            continue;
        };
        let Some(actor) = accounts::actor_for_user(&ctx.db, officer.user_id, None).await? else {
            continue;
        };
        let (Some(deadline), Some(user)) = (row.deadline, actor.user()) else {
            continue;
        };
        let at_two = |day: chrono::NaiveDate| {
            factoria_frontend::dates::parse_moment(&format!("{day}T14:00"))
                .map_err(anyhow::Error::msg)
        };
        let criterion = |name: &str, weight: u8, guidance: &str| Criterion {
            name: name.to_owned(),
            weight,
            guidance: Some(guidance.to_owned()),
        };
        let settings = CallSettings {
            criteria: vec![
                criterion(
                    "Calidad técnica y encaje con el reto",
                    50,
                    "Cómo cumple cada requisito obligatorio y deseable",
                ),
                criterion(
                    "Madurez y capacidad de pilotar",
                    25,
                    "TRL, referencias y equipo para el piloto",
                ),
                criterion("Precio", 25, "Coste total del piloto frente al presupuesto"),
            ],
            questions_deadline: at_two(deadline - chrono::Duration::days(7))?,
            proposals_deadline: at_two(deadline)?,
            max_budget: row.budget_cents.map(crate::types::Money::from_cents),
            pilot_months: Some(6),
            panel: vec![Email::parse(&user.email).map_err(anyhow::Error::msg)?],
        };
        calls::set(ctx, &actor, &row.external_id, settings).await?;
        opened += 1;
    }
    Ok(opened)
}

/// An administrator, an officer per department and members of some companies.
async fn create_accounts(
    ctx: &crate::context::Context,
    data: &DemoData,
) -> anyhow::Result<Vec<(String, String)>> {
    let hash = accounts::hash_password(DEMO_PASSWORD.to_owned()).await?;
    let tx = crate::db::begin_write(&ctx.db).await?;
    let mut created = Vec::new();
    let admin = Email::parse("admin@factoria.example").map_err(anyhow::Error::msg)?;
    accounts::create_user(
        &tx,
        &admin,
        "Administración Factoría",
        Some(hash.clone()),
        "es",
        true,
        true,
    )
    .await?;
    created.push(("Administrator".to_owned(), admin.to_string()));
    for (n, row) in department::Entity::find()
        .all(&tx)
        .await?
        .iter()
        .enumerate()
    {
        let (first, last) = generate::PEOPLE_ES[n % generate::PEOPLE_ES.len()];
        let email = Email::parse(&format!("officer{:02}@comunidad.example", n + 1))
            .map_err(anyhow::Error::msg)?;
        let id = accounts::create_user(
            &tx,
            &email,
            &format!("{first} {last}"),
            Some(hash.clone()),
            "es",
            false,
            true,
        )
        .await?;
        accounts::add_membership(&tx, id, None, Some(row.id)).await?;
        if n < 4 {
            created.push((
                format!("Officer, {}", truncate(&row.name, 34)),
                email.to_string(),
            ));
        }
    }
    created.push((
        "(officerNN@comunidad.example for every department)".to_owned(),
        String::new(),
    ));
    for record in data.companies.iter().take(6) {
        let (Some(id), Some(email)) = (record["id"].as_str(), record["contact"]["email"].as_str())
        else {
            continue;
        };
        let Some(row) = company::Entity::find()
            .filter(company::Column::ExternalId.eq(id))
            .one(&tx)
            .await?
        else {
            continue;
        };
        let email = Email::parse(email).map_err(anyhow::Error::msg)?;
        let name = record["contact"]["name"].as_str().unwrap_or("Demo");
        let locale = if record["languages"][0].as_str() == Some("en") {
            "en"
        } else {
            "es"
        };
        let user =
            accounts::create_user(&tx, &email, name, Some(hash.clone()), locale, false, true)
                .await?;
        accounts::add_membership(&tx, user, Some(row.id), None).await?;
        created.push((
            format!("Member of {}", truncate(&row.name, 34)),
            email.to_string(),
        ));
    }
    tx.commit().await?;
    Ok(created)
}

fn truncate(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(chars - 1).collect::<String>())
    }
}
