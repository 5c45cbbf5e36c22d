//! # soa_ffi — the C ABI of exchange-soa
//!
//! A thin conversion layer over [`soa_core`]: every function here checks its pointers and UTF-8,
//! calls one core function inside a panic boundary, and converts the result. No Exchange logic
//! lives here. The contract — status codes, ownership, NULL rules, threading — is in this
//! crate's README and in `include/soa.h`.
//!
//! Complex values cross the boundary as UTF-8 JSON whose shape is the serde shape of the core
//! type (for example [`soa_core::authority::MailboxState`] as
//! `{"dir_synced":true,"cloud_managed":false,"recipient_type":"UserMailbox"}`).

// The C ABI needs raw pointers; every dereference goes through the checked helpers in `ffi`.
#![allow(unsafe_code)]
// C spelling for C types (`soa_catalog`, `soa_status`), as rustls-ffi does.
#![allow(non_camel_case_types)]
// Exported functions take C pointers in safe signatures; each one is NULL-checked in `ffi`.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

mod audit;
mod authority;
mod backend;
mod catalog;
mod client;
mod directory;
mod emulator;
mod ffi;
mod model;
mod pager;
mod preflight;
mod progress;
mod reconcile;
mod runtime;
mod scripts;
mod session;
mod sim;
mod status;
mod transfer;

pub use audit::soa_audit_log_normalized;
pub use authority::{soa_decide_edit, soa_master, soa_rollback_loss};
pub use backend::{
    soa_backend, soa_backend_free, soa_backend_from_client, soa_backend_from_sim,
    soa_backend_get_mailbox, soa_backend_get_organization_config, soa_backend_get_user,
    soa_backend_list_mailboxes, soa_backend_role_assignments, soa_backend_search_admin_audit_log,
    soa_backend_set_cloud_managed, soa_backend_set_cloud_managed_by_default,
    soa_backend_set_mailbox,
};
pub use catalog::{
    soa_catalog, soa_catalog_builtin, soa_catalog_free, soa_catalog_len, soa_catalog_lookup,
    soa_catalog_to_json, soa_catalog_with_override_file, soa_catalog_with_override_json,
};
pub use client::{soa_client, soa_client_connect, soa_client_endpoint, soa_client_free};
pub use directory::{soa_directory, soa_directory_free, soa_directory_from_sim};
pub use emulator::{
    soa_emulator, soa_emulator_base_url, soa_emulator_free, soa_emulator_issue_token,
    soa_emulator_register_app, soa_emulator_set_faults, soa_emulator_start, soa_emulator_stats,
    soa_emulator_stop, soa_emulator_tenant, soa_emulator_tenant_id,
};
pub use ffi::{soa_debug_panic, soa_last_error, soa_string_free, soa_version};
pub use model::{
    soa_proxy_address_parse, soa_proxy_addresses_parse, soa_recipient_type_parse,
    soa_smtp_address_parse, soa_sync_version_compare, soa_sync_version_parse,
};
pub use pager::{soa_mailbox_pager, soa_mailbox_pager_free, soa_mailbox_pager_next};
pub use preflight::{soa_preflight_check_mailbox, soa_preflight_check_organization};
pub use progress::soa_progress_fn;
pub use reconcile::{
    soa_reconcile_files, soa_reconcile_live, soa_reconcile_report,
    soa_reconcile_report_changes_since, soa_reconcile_report_free, soa_reconcile_report_json,
    soa_reconcile_report_load_json, soa_reconcile_report_save_csv, soa_reconcile_report_save_html,
    soa_reconcile_report_save_json, soa_writeback_plan_save,
};
pub use scripts::{
    soa_audit_scripts, soa_audit_scripts_fix, soa_audit_scripts_sarif, soa_audit_scripts_text,
};
pub use session::{
    soa_session, soa_session_actor, soa_session_backend, soa_session_free, soa_session_new,
    soa_session_now,
};
pub use sim::{
    soa_sim, soa_sim_ad_attributes, soa_sim_add_ad_user, soa_sim_add_cloud_mailbox,
    soa_sim_add_principal, soa_sim_advance, soa_sim_as_principal, soa_sim_assign_license,
    soa_sim_free, soa_sim_generate, soa_sim_load, soa_sim_new, soa_sim_now, soa_sim_remove_ad_user,
    soa_sim_save, soa_sim_set_ad_attributes, soa_sim_set_cloud_sync_agent,
    soa_sim_set_connect_sync_version, soa_sim_summary, soa_sim_sync_cycle, soa_sim_sync_errors,
    soa_sim_writeback_cycle,
};
pub use status::{soa_status, soa_status_name};
pub use transfer::{
    soa_backup_path, soa_preflight_gather, soa_rbac_review, soa_rollback_loss_path,
    soa_run_folder_default, soa_run_folder_json, soa_tenant_default_disable,
    soa_tenant_default_enable, soa_transfer_plan, soa_transfer_plan_counts,
    soa_transfer_plan_summary, soa_transfer_restore_in_cloud, soa_transfer_restore_script,
    soa_transfer_resume, soa_transfer_rollback, soa_transfer_run,
};
