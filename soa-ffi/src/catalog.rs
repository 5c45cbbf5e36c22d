//! The attribute catalog as an opaque handle.

use std::ffi::c_char;
use std::path::Path;
use std::sync::Arc;

use soa_core::catalog::{Attribute, Catalog};

use crate::ffi::{Out, boundary, ref_arg, str_arg};
use crate::status::soa_status;

/// An attribute catalog: the built-in table, possibly with overrides applied. Immutable once
/// made, so it may be shared between threads. Release it with `soa_catalog_free`.
pub struct soa_catalog {
    pub(crate) inner: Arc<Catalog>,
}

impl soa_catalog {
    fn boxed(inner: Catalog) -> *mut soa_catalog {
        Box::into_raw(Box::new(soa_catalog {
            inner: Arc::new(inner),
        }))
    }
}

/// Makes a handle on the built-in catalog and writes it to `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_catalog_builtin(out: *mut *mut soa_catalog) -> soa_status {
    boundary(|| {
        let out = Out::new(out, "out")?;
        out.write(soa_catalog::boxed(Catalog::builtin().clone()));
        Ok(())
    })
}

/// Applies an override document (JSON, `{"attributes": [...]}`) to `base` and writes the new
/// catalog to `*out`; `base` is unchanged. `origin` names the document in error messages.
#[unsafe(no_mangle)]
pub extern "C" fn soa_catalog_with_override_json(
    base: *const soa_catalog,
    json: *const c_char,
    origin: *const c_char,
    out: *mut *mut soa_catalog,
) -> soa_status {
    boundary(|| {
        let base = ref_arg(base, "base")?;
        let json = str_arg(json, "json")?;
        let origin = str_arg(origin, "origin")?;
        let out = Out::new(out, "out")?;
        out.write(soa_catalog::boxed(
            base.inner.with_override_json(json, origin)?,
        ));
        Ok(())
    })
}

/// Applies an override file to `base` and writes the new catalog to `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_catalog_with_override_file(
    base: *const soa_catalog,
    path: *const c_char,
    out: *mut *mut soa_catalog,
) -> soa_status {
    boundary(|| {
        let base = ref_arg(base, "base")?;
        let path = str_arg(path, "path")?;
        let out = Out::new(out, "out")?;
        out.write(soa_catalog::boxed(
            base.inner.with_override_file(Path::new(path))?,
        ));
        Ok(())
    })
}

/// Releases a catalog. NULL is ignored.
#[unsafe(no_mangle)]
pub extern "C" fn soa_catalog_free(catalog: *mut soa_catalog) {
    if catalog.is_null() {
        return;
    }
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: a non-NULL handle came from `Box::into_raw` in this library (ABI contract).
        drop(unsafe { Box::from_raw(catalog) });
    }));
}

/// Writes the number of attributes in the catalog to `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_catalog_len(catalog: *const soa_catalog, out: *mut usize) -> soa_status {
    boundary(|| {
        let catalog = ref_arg(catalog, "catalog")?;
        let out = Out::new(out, "out")?;
        out.write(catalog.inner.len());
        Ok(())
    })
}

/// Looks up an attribute by any of its names (case-insensitive) and writes it as JSON to
/// `*out_json` (release with `soa_string_free`). An unknown name gives
/// `SOA_STATUS_UNKNOWN_ATTRIBUTE`. The object has the attribute's canonical `name` first, then
/// the fields of the catalog row.
#[unsafe(no_mangle)]
pub extern "C" fn soa_catalog_lookup(
    catalog: *const soa_catalog,
    name: *const c_char,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let catalog = ref_arg(catalog, "catalog")?;
        let name = str_arg(name, "name")?;
        let out = Out::new(out_json, "out_json")?;
        out.write_json(&catalog.inner.lookup(name)?.view())
    })
}

/// Writes the whole catalog as a JSON array of attributes to `*out_json`.
#[unsafe(no_mangle)]
pub extern "C" fn soa_catalog_to_json(
    catalog: *const soa_catalog,
    out_json: *mut *mut c_char,
) -> soa_status {
    boundary(|| {
        let catalog = ref_arg(catalog, "catalog")?;
        let out = Out::new(out_json, "out_json")?;
        let views: Vec<_> = catalog.inner.iter().map(Attribute::view).collect();
        out.write_json(&views)
    })
}
