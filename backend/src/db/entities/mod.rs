//! One sea-orm entity per table. They mirror the migrations and carry no behaviour: queries
//! and rules live in `crate::db` and `crate::domain`.

pub mod api_token;
pub mod audit;
pub mod call;
pub mod call_evaluator;
pub mod call_question;
pub mod challenge;
pub mod change_log;
pub mod company;
pub mod consent;
pub mod department;
pub mod document;
pub mod email;
pub mod embedding;
pub mod evaluation;
pub mod held_news;
pub mod idempotency_key;
pub mod interest;
pub mod introduction;
pub mod introduction_event;
pub mod job;
pub mod match_feedback;
pub mod membership;
pub mod proposal;
pub mod session;
pub mod shortlist;
pub mod subscription;
pub mod suppression;
pub mod user;
pub mod user_token;
