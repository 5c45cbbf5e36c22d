// ExchangeSoa: the P/Invoke layer over the exchange-soa C ABI (libsoa_ffi.so, libsoa_ffi.dylib,
// soa_ffi.dll).
//
// One file, compiled two ways:
//   - by PowerShell 7 (.NET 6 or later) with `Add-Type -Path SoaNative.cs` when the ExchangeSoa
//     module is imported;
//   - by Mono's `mcs` (.NET Framework 4.x profile) together with tests/csharp/SoaNativeTests.cs,
//     so that this layer is tested where no PowerShell host is available.
// It therefore keeps to C# 6 and to APIs present in both runtimes: no Span, no `using var`, no
// Marshal.PtrToStringUTF8 (missing before .NET Framework 4.7 / in older Mono), and the
// .NET Core-only NativeLibrary API is reached through reflection.
//
// The contract of the C ABI (soa-ffi/src/ffi.rs) that this file relies on:
//   - every fallible function returns an int32 status (SoaStatus); out-parameters are written
//     only on success;
//   - strings go in as NUL-terminated UTF-8; strings that come out are owned by the library
//     and are released with soa_string_free (soa_version and soa_status_name return static
//     strings that must not be released);
//   - soa_last_error() returns the calling thread's last failure message as an owned string, or
//     NULL after a success;
//   - a handle is released with its _free function (soa_catalog_free, soa_sim_free,
//     soa_mailbox_pager_free), which ignores NULL; in C# each kind has its SafeHandle;
//   - complex values are UTF-8 JSON in the serde shape of the soa-core type.
// No signature uses `bool` (it would marshal as a 4-byte Win32 BOOL), and no function returns a
// managed `string` (the marshaller would free it with CoTaskMemFree).

using System;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace ExchangeSoa
{
    /// <summary>
    /// The status codes of the C ABI (enum soa_status in soa.h). The values are fixed by the
    /// library and are never renumbered: 0 success, 1-99 misuse of the ABI, 100-199 bad input,
    /// 200-299 the environment, 300-399 Exchange Online refused the operation.
    /// </summary>
    public enum SoaStatus : int
    {
        /// <summary>Success; out-parameters were written.</summary>
        Ok = 0,
        /// <summary>A required pointer argument was NULL.</summary>
        NullArgument = 1,
        /// <summary>A string argument was not valid UTF-8.</summary>
        InvalidUtf8 = 2,
        /// <summary>The library caught a panic (a bug in the library).</summary>
        Panic = 3,
        /// <summary>An error of a kind this version of the ABI does not name.</summary>
        Unknown = 99,
        /// <summary>A proxy address, or a set of them, is malformed.</summary>
        InvalidProxyAddress = 100,
        /// <summary>An SMTP address is malformed.</summary>
        InvalidSmtpAddress = 101,
        /// <summary>A version string is malformed.</summary>
        InvalidVersion = 102,
        /// <summary>A recipient type is malformed.</summary>
        InvalidRecipientType = 103,
        /// <summary>An attribute name is not in the catalog.</summary>
        UnknownAttribute = 104,
        /// <summary>A catalog override is inconsistent.</summary>
        InvalidCatalog = 105,
        /// <summary>A value is not acceptable.</summary>
        InvalidInput = 106,
        /// <summary>A JSON argument is malformed or has the wrong shape.</summary>
        InvalidJson = 107,
        /// <summary>A file could not be read or written.</summary>
        Io = 200,
        /// <summary>The mailbox, user or account does not exist.</summary>
        NotFound = 300,
        /// <summary>The caller holds no role that grants the cmdlet parameter.</summary>
        AccessDenied = 301,
        /// <summary>The attribute is mastered on-premises: the mailbox is dir-synced and not
        /// cloud-managed.</summary>
        OutOfWriteScope = 302,
        /// <summary>Exchange Online refused the operation for another reason.</summary>
        ExchangeRefused = 303,
        /// <summary>Exchange Online kept throttling after every allowed retry.</summary>
        Throttled = 310,
        /// <summary>The service could not be reached.</summary>
        Transport = 311,
        /// <summary>Authentication failed.</summary>
        Auth = 312,
        /// <summary>The gateway answered with another HTTP error.</summary>
        Http = 313,
        /// <summary>A safety rule of the library refused the operation.</summary>
        Refused = 400,
    }

    /// <summary>
    /// A failed call into the native library: the status it returned and the message it gave.
    /// </summary>
    public class SoaException : Exception
    {
        /// <summary>Makes an exception for a failed call.</summary>
        public SoaException(SoaStatus status, string statusName, string message)
            : base(string.IsNullOrEmpty(message) ? statusName : message)
        {
            Status = status;
            StatusName = statusName;
        }

        /// <summary>The status the native function returned.</summary>
        public SoaStatus Status { get; private set; }

        /// <summary>The status's name, e.g. "SOA_STATUS_INVALID_VERSION".</summary>
        public string StatusName { get; private set; }

        /// <summary>Whether the call failed on bad input (status 100-199): a value to correct,
        /// not a fault of the library or of the caller's code.</summary>
        public bool IsInvalidInput
        {
            get { return (int)Status >= 100 && (int)Status < 200; }
        }
    }

    /// <summary>
    /// An attribute catalog (soa_catalog*). Releasing it calls soa_catalog_free exactly once,
    /// however many times Dispose is called; a handle in use by a native call is released only
    /// when that call returns.
    /// </summary>
    public sealed class SoaCatalogHandle : SafeHandle
    {
        /// <summary>An invalid (NULL) handle.</summary>
        public SoaCatalogHandle()
            : base(IntPtr.Zero, true)
        {
        }

        /// <summary>Takes ownership of a catalog pointer returned by the library.</summary>
        public SoaCatalogHandle(IntPtr existing)
            : base(IntPtr.Zero, true)
        {
            SetHandle(existing);
        }

        /// <summary>Whether the handle is NULL.</summary>
        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }

        /// <summary>Releases the catalog.</summary>
        protected override bool ReleaseHandle()
        {
            Native.soa_catalog_free(handle);
            return true;
        }
    }

    /// <summary>
    /// A simulated hybrid organization (soa_sim*). Handles made from one another
    /// (<see cref="Api.SimAsPrincipal"/>) share the organization, which lives until the last of
    /// them is released. Releasing calls soa_sim_free exactly once.
    /// </summary>
    public sealed class SoaSimHandle : SafeHandle
    {
        /// <summary>An invalid (NULL) handle.</summary>
        public SoaSimHandle()
            : base(IntPtr.Zero, true)
        {
        }

        /// <summary>Takes ownership of an organization pointer returned by the library.</summary>
        public SoaSimHandle(IntPtr existing)
            : base(IntPtr.Zero, true)
        {
            SetHandle(existing);
        }

        /// <summary>Whether the handle is NULL.</summary>
        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }

        /// <summary>Releases this handle on the organization.</summary>
        protected override bool ReleaseHandle()
        {
            Native.soa_sim_free(handle);
            return true;
        }
    }

    /// <summary>
    /// A lazy listing of mailboxes (soa_mailbox_pager*), read one page at a time with
    /// <see cref="Api.NextMailboxPage"/>. It keeps the organization alive on its own. Use it from
    /// one thread at a time. Releasing calls soa_mailbox_pager_free exactly once.
    /// </summary>
    public sealed class SoaMailboxPagerHandle : SafeHandle
    {
        /// <summary>An invalid (NULL) handle.</summary>
        public SoaMailboxPagerHandle()
            : base(IntPtr.Zero, true)
        {
        }

        /// <summary>Takes ownership of a pager pointer returned by the library.</summary>
        public SoaMailboxPagerHandle(IntPtr existing)
            : base(IntPtr.Zero, true)
        {
            SetHandle(existing);
        }

        /// <summary>Whether the handle is NULL.</summary>
        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }

        /// <summary>Releases the pager.</summary>
        protected override bool ReleaseHandle()
        {
            Native.soa_mailbox_pager_free(handle);
            return true;
        }
    }

    /// <summary>
    /// The exports of soa_ffi, one declaration each, with the C signatures of soa.h. Prefer
    /// <see cref="Api"/>, which checks statuses, reads the error message and frees strings.
    /// </summary>
    public static class Native
    {
        /// <summary>The library name given to DllImport: the runtime probes soa_ffi.dll,
        /// libsoa_ffi.so and libsoa_ffi.dylib (see <see cref="NativeLoader"/>).</summary>
        public const string LibraryName = "soa_ffi";

        // --- catalog ---------------------------------------------------------------------------

        /// <summary>soa_status soa_catalog_builtin(soa_catalog **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_catalog_builtin(out IntPtr catalog);

        /// <summary>soa_status soa_catalog_with_override_json(const soa_catalog *base,
        /// const char *json, const char *origin, soa_catalog **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_catalog_with_override_json(
            SoaCatalogHandle baseCatalog,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string json,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string origin,
            out IntPtr catalog);

        /// <summary>soa_status soa_catalog_with_override_file(const soa_catalog *base,
        /// const char *path, soa_catalog **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_catalog_with_override_file(
            SoaCatalogHandle baseCatalog,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string path,
            out IntPtr catalog);

        /// <summary>void soa_catalog_free(soa_catalog *catalog); NULL is ignored.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern void soa_catalog_free(IntPtr catalog);

        /// <summary>soa_status soa_catalog_len(const soa_catalog *catalog, size_t *out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_catalog_len(SoaCatalogHandle catalog, out UIntPtr count);

        /// <summary>soa_status soa_catalog_lookup(const soa_catalog *catalog, const char *name,
        /// char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_catalog_lookup(
            SoaCatalogHandle catalog,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string name,
            out IntPtr json);

        /// <summary>soa_status soa_catalog_to_json(const soa_catalog *catalog,
        /// char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_catalog_to_json(SoaCatalogHandle catalog, out IntPtr json);

        // --- authority -------------------------------------------------------------------------

        /// <summary>soa_status soa_master(const soa_catalog *catalog, const char *state_json,
        /// const char *attribute, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_master(
            SoaCatalogHandle catalog,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string stateJson,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string attribute,
            out IntPtr json);

        /// <summary>soa_status soa_decide_edit(const soa_catalog *catalog, const char *state_json,
        /// const char *edit_json, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_decide_edit(
            SoaCatalogHandle catalog,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string stateJson,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string editJson,
            out IntPtr json);

        /// <summary>soa_status soa_rollback_loss(const soa_catalog *catalog, const char *state_json,
        /// const char *cloud_json, const char *ad_json, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_rollback_loss(
            SoaCatalogHandle catalog,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string stateJson,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string cloudJson,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string adJson,
            out IntPtr json);

        // --- model -----------------------------------------------------------------------------

        /// <summary>soa_status soa_proxy_address_parse(const char *text, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_proxy_address_parse(
            [MarshalAs(UnmanagedType.LPUTF8Str)] string text,
            out IntPtr json);

        /// <summary>soa_status soa_proxy_addresses_parse(const char *json_array,
        /// char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_proxy_addresses_parse(
            [MarshalAs(UnmanagedType.LPUTF8Str)] string jsonArray,
            out IntPtr json);

        /// <summary>soa_status soa_smtp_address_parse(const char *text, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_smtp_address_parse(
            [MarshalAs(UnmanagedType.LPUTF8Str)] string text,
            out IntPtr json);

        /// <summary>soa_status soa_sync_version_parse(const char *text, char **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sync_version_parse(
            [MarshalAs(UnmanagedType.LPUTF8Str)] string text,
            out IntPtr normalized);

        /// <summary>soa_status soa_sync_version_compare(const char *a, const char *b,
        /// int32_t *out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sync_version_compare(
            [MarshalAs(UnmanagedType.LPUTF8Str)] string a,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string b,
            out int result);

        /// <summary>soa_status soa_recipient_type_parse(const char *text, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_recipient_type_parse(
            [MarshalAs(UnmanagedType.LPUTF8Str)] string text,
            out IntPtr json);

        // --- preflight -------------------------------------------------------------------------

        /// <summary>soa_status soa_preflight_check_organization(const char *preflight_json,
        /// uint64_t planned, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_preflight_check_organization(
            [MarshalAs(UnmanagedType.LPUTF8Str)] string preflightJson,
            ulong planned,
            out IntPtr json);

        /// <summary>soa_status soa_preflight_check_mailbox(const char *preflight_json,
        /// const char *mailbox_json, const char *ad_when_changed, const char *now,
        /// char **out_json); the two times may be NULL.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_preflight_check_mailbox(
            [MarshalAs(UnmanagedType.LPUTF8Str)] string preflightJson,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string mailboxJson,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string adWhenChanged,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string now,
            out IntPtr json);

        // --- simulated organization: lifecycle -------------------------------------------------

        /// <summary>soa_status soa_sim_new(const char *tenant, soa_sim **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_new(
            [MarshalAs(UnmanagedType.LPUTF8Str)] string tenant,
            out IntPtr sim);

        /// <summary>soa_status soa_sim_generate(uint64_t size, uint64_t seed, soa_sim **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_generate(ulong size, ulong seed, out IntPtr sim);

        /// <summary>soa_status soa_sim_load(const char *path, soa_sim **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_load(
            [MarshalAs(UnmanagedType.LPUTF8Str)] string path,
            out IntPtr sim);

        /// <summary>soa_status soa_sim_save(const soa_sim *sim, const char *path)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_save(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string path);

        /// <summary>soa_status soa_sim_as_principal(const soa_sim *sim, const char *principal,
        /// soa_sim **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_as_principal(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string principal,
            out IntPtr asPrincipal);

        /// <summary>void soa_sim_free(soa_sim *sim); NULL is ignored.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern void soa_sim_free(IntPtr sim);

        /// <summary>soa_status soa_sim_add_principal(const soa_sim *sim, const char *principal,
        /// const char *roles_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_add_principal(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string principal,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string rolesJson);

        /// <summary>soa_status soa_sim_summary(const soa_sim *sim, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_summary(SoaSimHandle sim, out IntPtr json);

        // --- simulated organization: clock and sync engines ------------------------------------

        /// <summary>soa_status soa_sim_now(const soa_sim *sim, char **out): RFC 3339 text.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_now(SoaSimHandle sim, out IntPtr now);

        /// <summary>soa_status soa_sim_advance(const soa_sim *sim, int64_t minutes,
        /// char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_advance(SoaSimHandle sim, long minutes, out IntPtr json);

        /// <summary>soa_status soa_sim_sync_cycle(const soa_sim *sim, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_sync_cycle(SoaSimHandle sim, out IntPtr json);

        /// <summary>soa_status soa_sim_writeback_cycle(const soa_sim *sim, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_writeback_cycle(SoaSimHandle sim, out IntPtr json);

        /// <summary>soa_status soa_sim_sync_errors(const soa_sim *sim, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_sync_errors(SoaSimHandle sim, out IntPtr json);

        /// <summary>soa_status soa_sim_set_connect_sync_version(const soa_sim *sim,
        /// const char *version)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_set_connect_sync_version(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string version);

        /// <summary>soa_status soa_sim_set_cloud_sync_agent(const soa_sim *sim, const char *agent_json);
        /// agent_json may be NULL (removes the agent).</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_set_cloud_sync_agent(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string agentJson);

        // --- simulated organization: the on-premises side --------------------------------------

        /// <summary>soa_status soa_sim_add_ad_user(const soa_sim *sim, const char *user_json,
        /// char **out_guid)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_add_ad_user(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string userJson,
            out IntPtr guid);

        /// <summary>soa_status soa_sim_ad_attributes(const soa_sim *sim, const char *identity,
        /// char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_ad_attributes(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string identity,
            out IntPtr json);

        /// <summary>soa_status soa_sim_set_ad_attributes(const soa_sim *sim, const char *identity,
        /// const char *changes_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_set_ad_attributes(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string identity,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string changesJson);

        /// <summary>soa_status soa_sim_remove_ad_user(const soa_sim *sim,
        /// const char *identity)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_remove_ad_user(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string identity);

        /// <summary>soa_status soa_sim_assign_license(const soa_sim *sim,
        /// const char *identity)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_assign_license(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string identity);

        /// <summary>soa_status soa_sim_add_cloud_mailbox(const soa_sim *sim,
        /// const char *user_principal_name, const char *recipient_type, char **out_id)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_add_cloud_mailbox(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string userPrincipalName,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string recipientType,
            out IntPtr id);

        // --- simulated organization: Exchange Online (RBAC and audit apply) --------------------

        /// <summary>soa_status soa_sim_get_mailbox(const soa_sim *sim, const char *identity,
        /// char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_get_mailbox(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string identity,
            out IntPtr json);

        /// <summary>soa_status soa_sim_get_user(const soa_sim *sim, const char *identity,
        /// char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_get_user(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string identity,
            out IntPtr json);

        /// <summary>soa_status soa_sim_set_mailbox(const soa_sim *sim, const char *identity,
        /// const char *changes_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_set_mailbox(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string identity,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string changesJson);

        /// <summary>soa_status soa_sim_set_cloud_managed(const soa_sim *sim, const char *identity,
        /// int32_t value); value is 0 or 1.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_set_cloud_managed(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string identity,
            int value);

        /// <summary>soa_status soa_sim_get_organization_config(const soa_sim *sim,
        /// char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_get_organization_config(SoaSimHandle sim, out IntPtr json);

        /// <summary>soa_status soa_sim_set_cloud_managed_by_default(const soa_sim *sim, int32_t enabled);
        /// enabled is 0 or 1.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_set_cloud_managed_by_default(SoaSimHandle sim, int enabled);

        /// <summary>soa_status soa_sim_role_assignments(const soa_sim *sim, const char *cmdlet,
        /// const char *parameter, char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_role_assignments(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string cmdlet,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string parameter,
            out IntPtr json);

        /// <summary>soa_status soa_sim_search_admin_audit_log(const soa_sim *sim, const char *query_json,
        /// char **out_json)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_search_admin_audit_log(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string queryJson,
            out IntPtr json);

        /// <summary>soa_status soa_sim_list_mailboxes(const soa_sim *sim, const char *filter_json,
        /// soa_mailbox_pager **out)</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_sim_list_mailboxes(
            SoaSimHandle sim,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string filterJson,
            out IntPtr pager);

        /// <summary>soa_status soa_mailbox_pager_next(soa_mailbox_pager *pager, uint32_t page_size,
        /// char **out_json): the next page as a JSON array; [] after the last page.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_mailbox_pager_next(
            SoaMailboxPagerHandle pager,
            uint pageSize,
            out IntPtr json);

        /// <summary>void soa_mailbox_pager_free(soa_mailbox_pager *pager); NULL is ignored.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern void soa_mailbox_pager_free(IntPtr pager);

        // --- status, errors, memory ------------------------------------------------------------

        /// <summary>const char *soa_status_name(int32_t status): a static string, never freed.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern IntPtr soa_status_name(int status);

        /// <summary>const char *soa_version(void): a static string, never freed.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern IntPtr soa_version();

        /// <summary>char *soa_last_error(void): the calling thread's last failure message (owned:
        /// release with soa_string_free), or NULL after a success.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern IntPtr soa_last_error();

        /// <summary>void soa_string_free(char *s): releases a string the library returned; NULL is
        /// ignored.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern void soa_string_free(IntPtr s);

        /// <summary>soa_status soa_debug_panic(void): panics inside the library's boundary, for
        /// tests of bindings; returns SOA_STATUS_PANIC.</summary>
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        public static extern SoaStatus soa_debug_panic();
    }

    /// <summary>
    /// Makes DllImport("soa_ffi") load the library from an absolute path, on runtimes that have
    /// System.Runtime.InteropServices.NativeLibrary (.NET Core 3.0 and later, so PowerShell 7).
    /// Elsewhere (Mono, .NET Framework) the usual search applies: LD_LIBRARY_PATH, the
    /// application's folder, or a dllmap.
    /// </summary>
    public static class NativeLoader
    {
        private static readonly object Gate = new object();
        private static string libraryPath;
        private static IntPtr loaded;
        private static bool registered;
        private static Delegate resolver;
        private static MethodInfo loadMethod;

        /// <summary>The path given to <see cref="UseLibrary"/>, or null.</summary>
        public static string LibraryPath
        {
            get { lock (Gate) { return libraryPath; } }
        }

        /// <summary>
        /// Binds the soa_ffi imports of this assembly to the library at <paramref name="fullPath"/>.
        /// Returns true when a resolver is in place (a second call only changes the path, which
        /// counts until the first import is bound); false on runtimes without NativeLibrary.
        /// </summary>
        public static bool UseLibrary(string fullPath)
        {
            if (fullPath == null)
            {
                throw new ArgumentNullException("fullPath");
            }
            lock (Gate)
            {
                libraryPath = fullPath;
                if (registered)
                {
                    return true;
                }
                Assembly core = typeof(Marshal).Assembly;
                Type nativeLibrary = core.GetType("System.Runtime.InteropServices.NativeLibrary", false);
                Type resolverType = core.GetType("System.Runtime.InteropServices.DllImportResolver", false);
                if (nativeLibrary == null || resolverType == null)
                {
                    return false;
                }
                MethodInfo setResolver = nativeLibrary.GetMethod(
                    "SetDllImportResolver", BindingFlags.Public | BindingFlags.Static);
                loadMethod = nativeLibrary.GetMethod(
                    "Load", BindingFlags.Public | BindingFlags.Static, null, new Type[] { typeof(string) }, null);
                MethodInfo target = typeof(NativeLoader).GetMethod(
                    "Resolve", BindingFlags.NonPublic | BindingFlags.Static);
                if (setResolver == null || loadMethod == null || target == null)
                {
                    return false;
                }
                resolver = Delegate.CreateDelegate(resolverType, target);
                try
                {
                    setResolver.Invoke(null, new object[] { typeof(Native).Assembly, resolver });
                }
                catch (TargetInvocationException e)
                {
                    // InvalidOperationException: another resolver is already set for this
                    // assembly. It is not ours, so say so rather than pretend.
                    throw new InvalidOperationException(
                        "cannot set the soa_ffi import resolver: " + e.InnerException.Message, e.InnerException);
                }
                registered = true;
                return true;
            }
        }

        // The DllImportResolver: (string libraryName, Assembly assembly, DllImportSearchPath? path).
        private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
        {
            if (libraryName != Native.LibraryName)
            {
                return IntPtr.Zero;
            }
            lock (Gate)
            {
                if (loaded != IntPtr.Zero || libraryPath == null)
                {
                    return loaded;
                }
                try
                {
                    loaded = (IntPtr)loadMethod.Invoke(null, new object[] { libraryPath });
                }
                catch (TargetInvocationException e)
                {
                    throw new DllNotFoundException(
                        "cannot load the exchange-soa native library '" + libraryPath + "': "
                        + e.InnerException.Message,
                        e.InnerException);
                }
                return loaded;
            }
        }
    }

    /// <summary>
    /// The managed facade: each method calls one export, throws <see cref="SoaException"/> (with
    /// the status and the library's message) on failure, frees what the library returned, and
    /// gives back a JSON string or a simple value. Call it from the thread that will read the
    /// error: the library's last error is per thread.
    /// </summary>
    public static class Api
    {
        // --- strings and errors ----------------------------------------------------------------

        /// <summary>Decodes a NUL-terminated UTF-8 string that the caller keeps owning; null for
        /// NULL. (Marshal.PtrToStringUTF8 is missing on older runtimes.)</summary>
        public static string PtrToStringUtf8(IntPtr ptr)
        {
            if (ptr == IntPtr.Zero)
            {
                return null;
            }
            int length = 0;
            while (Marshal.ReadByte(ptr, length) != 0)
            {
                length++;
            }
            if (length == 0)
            {
                return string.Empty;
            }
            byte[] bytes = new byte[length];
            Marshal.Copy(ptr, bytes, 0, length);
            return Encoding.UTF8.GetString(bytes);
        }

        /// <summary>Copies a library-owned string and releases it with soa_string_free; null for
        /// NULL.</summary>
        public static string TakeString(IntPtr owned)
        {
            if (owned == IntPtr.Zero)
            {
                return null;
            }
            try
            {
                return PtrToStringUtf8(owned);
            }
            finally
            {
                Native.soa_string_free(owned);
            }
        }

        /// <summary>The library version, e.g. "0.1.0".</summary>
        public static string Version()
        {
            return PtrToStringUtf8(Native.soa_version());
        }

        /// <summary>The name of a status code, e.g. "SOA_STATUS_INVALID_VERSION";
        /// "SOA_STATUS_UNKNOWN" for a value the library does not know.</summary>
        public static string StatusName(int status)
        {
            return PtrToStringUtf8(Native.soa_status_name(status));
        }

        /// <summary>The message of the last failed call on this thread, or null when the last
        /// call succeeded.</summary>
        public static string LastError()
        {
            return TakeString(Native.soa_last_error());
        }

        /// <summary>The exception for a failed call; reads this thread's last error, so call it
        /// right after the failed call.</summary>
        public static SoaException Failure(SoaStatus status)
        {
            string message = LastError();
            return new SoaException(status, StatusName((int)status), message);
        }

        /// <summary>Throws <see cref="SoaException"/> unless <paramref name="status"/> is Ok.</summary>
        public static void Check(SoaStatus status)
        {
            if (status != SoaStatus.Ok)
            {
                throw Failure(status);
            }
        }

        // Checks the status, then takes the owned string (released even when the status is a
        // failure and the library wrote it anyway, which the contract says it does not).
        private static string Finish(SoaStatus status, IntPtr owned)
        {
            try
            {
                Check(status);
                return PtrToStringUtf8(owned);
            }
            finally
            {
                if (owned != IntPtr.Zero)
                {
                    Native.soa_string_free(owned);
                }
            }
        }

        private static SoaCatalogHandle FinishCatalog(SoaStatus status, IntPtr raw)
        {
            if (status != SoaStatus.Ok)
            {
                SoaException failure = Failure(status);
                Native.soa_catalog_free(raw);
                throw failure;
            }
            return new SoaCatalogHandle(raw);
        }

        private static SoaCatalogHandle Usable(SoaCatalogHandle catalog, string name)
        {
            if (catalog == null)
            {
                throw new ArgumentNullException(name);
            }
            if (catalog.IsClosed)
            {
                throw new ObjectDisposedException(name, "the catalog handle has been disposed");
            }
            return catalog;
        }

        private static SoaSimHandle FinishSim(SoaStatus status, IntPtr raw)
        {
            if (status != SoaStatus.Ok)
            {
                SoaException failure = Failure(status);
                Native.soa_sim_free(raw);
                throw failure;
            }
            return new SoaSimHandle(raw);
        }

        private static SoaSimHandle Usable(SoaSimHandle sim, string name)
        {
            if (sim == null)
            {
                throw new ArgumentNullException(name);
            }
            if (sim.IsClosed)
            {
                throw new ObjectDisposedException(name, "the simulated organization handle has been disposed");
            }
            return sim;
        }

        private static SoaMailboxPagerHandle Usable(SoaMailboxPagerHandle pager, string name)
        {
            if (pager == null)
            {
                throw new ArgumentNullException(name);
            }
            if (pager.IsClosed)
            {
                throw new ObjectDisposedException(name, "the mailbox pager has been disposed");
            }
            return pager;
        }

        // --- catalog ---------------------------------------------------------------------------

        /// <summary>A new handle on the built-in catalog. Dispose it when done.</summary>
        public static SoaCatalogHandle BuiltinCatalog()
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_catalog_builtin(out raw);
            return FinishCatalog(status, raw);
        }

        /// <summary>A new catalog: <paramref name="baseCatalog"/> with an override document
        /// (JSON, {"attributes": [...]}) applied. <paramref name="origin"/> names the document in
        /// error messages.</summary>
        public static SoaCatalogHandle WithOverrideJson(SoaCatalogHandle baseCatalog, string json, string origin)
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_catalog_with_override_json(
                Usable(baseCatalog, "baseCatalog"), json, origin, out raw);
            return FinishCatalog(status, raw);
        }

        /// <summary>A new catalog: <paramref name="baseCatalog"/> with an override file applied.</summary>
        public static SoaCatalogHandle WithOverrideFile(SoaCatalogHandle baseCatalog, string path)
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_catalog_with_override_file(
                Usable(baseCatalog, "baseCatalog"), path, out raw);
            return FinishCatalog(status, raw);
        }

        /// <summary>The number of attributes in the catalog.</summary>
        public static long CatalogLength(SoaCatalogHandle catalog)
        {
            UIntPtr count = UIntPtr.Zero;
            Check(Native.soa_catalog_len(Usable(catalog, "catalog"), out count));
            return (long)count.ToUInt64();
        }

        /// <summary>One attribute, found by any of its names (case-insensitive), as JSON.</summary>
        public static string Lookup(SoaCatalogHandle catalog, string name)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_catalog_lookup(Usable(catalog, "catalog"), name, out json);
            return Finish(status, json);
        }

        /// <summary>The whole catalog as a JSON array of attributes.</summary>
        public static string CatalogJson(SoaCatalogHandle catalog)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_catalog_to_json(Usable(catalog, "catalog"), out json);
            return Finish(status, json);
        }

        // --- authority -------------------------------------------------------------------------

        /// <summary>Who masters an attribute for a mailbox in a state (a MailboxState as JSON), as
        /// a JSON string: "on_premises_ad", "exchange_online" or "entra_id".</summary>
        public static string Master(SoaCatalogHandle catalog, string stateJson, string attribute)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_master(Usable(catalog, "catalog"), stateJson, attribute, out json);
            return Finish(status, json);
        }

        /// <summary>The EditDecision (JSON) for a ProposedEdit (JSON) on a mailbox in a state.</summary>
        public static string DecideEdit(SoaCatalogHandle catalog, string stateJson, string editJson)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_decide_edit(Usable(catalog, "catalog"), stateJson, editJson, out json);
            return Finish(status, json);
        }

        /// <summary>The RollbackLoss (JSON) for cloud and AD values (JSON objects from attribute
        /// names to values).</summary>
        public static string RollbackLoss(SoaCatalogHandle catalog, string stateJson, string cloudJson, string adJson)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_rollback_loss(
                Usable(catalog, "catalog"), stateJson, cloudJson, adJson, out json);
            return Finish(status, json);
        }

        // --- model -----------------------------------------------------------------------------

        /// <summary>One proxy address as JSON: {"text","prefix","address","primary","is_smtp"}.</summary>
        public static string ParseProxyAddress(string text)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_proxy_address_parse(text, out json);
            return Finish(status, json);
        }

        /// <summary>A mailbox's proxy address set (a JSON array of strings), validated, as JSON:
        /// {"primary_smtp","addresses":[...]}.</summary>
        public static string ParseProxyAddresses(string jsonArray)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_proxy_addresses_parse(jsonArray, out json);
            return Finish(status, json);
        }

        /// <summary>An SMTP address as JSON: {"address","local_part","domain"}.</summary>
        public static string ParseSmtpAddress(string text)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_smtp_address_parse(text, out json);
            return Finish(status, json);
        }

        /// <summary>The normal form of a four-part version, e.g. "2.5.190.0".</summary>
        public static string ParseSyncVersion(string text)
        {
            IntPtr normalized = IntPtr.Zero;
            SoaStatus status = Native.soa_sync_version_parse(text, out normalized);
            return Finish(status, normalized);
        }

        /// <summary>Compares two four-part versions numerically: -1, 0 or 1.</summary>
        public static int CompareSyncVersions(string a, string b)
        {
            int result = 0;
            Check(Native.soa_sync_version_compare(a, b, out result));
            return result;
        }

        /// <summary>A recipient type as JSON: {"name","eligible","ineligibility_reason"}.</summary>
        public static string ParseRecipientType(string text)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_recipient_type_parse(text, out json);
            return Finish(status, json);
        }

        // --- preflight -------------------------------------------------------------------------

        /// <summary>The organization checks: a Preflight (JSON) and the number of mailboxes about
        /// to be flipped; returns the PreflightReport as JSON.</summary>
        public static string CheckOrganization(string preflightJson, ulong planned)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_preflight_check_organization(preflightJson, planned, out json);
            return Finish(status, json);
        }

        /// <summary>The mailbox checks for one mailbox (the JSON of Get-Mailbox). The times are
        /// RFC 3339 text or null (unknown; the current time).</summary>
        public static string CheckMailbox(string preflightJson, string mailboxJson, string adWhenChanged, string now)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_preflight_check_mailbox(
                preflightJson, mailboxJson, adWhenChanged, now, out json);
            return Finish(status, json);
        }

        // --- simulated organization: lifecycle -------------------------------------------------

        /// <summary>A new, empty simulated organization for <paramref name="tenant"/> (e.g.
        /// "contoso.com"). Dispose it when done.</summary>
        public static SoaSimHandle NewSim(string tenant)
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_new(tenant, out raw);
            return FinishSim(status, raw);
        }

        /// <summary>A generated organization of about <paramref name="size"/> mailboxes; the same
        /// seed gives the same organization.</summary>
        public static SoaSimHandle GenerateSim(ulong size, ulong seed)
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_generate(size, seed, out raw);
            return FinishSim(status, raw);
        }

        /// <summary>An organization loaded from a snapshot file written by <see cref="SaveSim"/>.</summary>
        public static SoaSimHandle LoadSim(string path)
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_load(path, out raw);
            return FinishSim(status, raw);
        }

        /// <summary>Saves a snapshot of the whole organization to <paramref name="path"/>,
        /// atomically.</summary>
        public static void SaveSim(SoaSimHandle sim, string path)
        {
            Check(Native.soa_sim_save(Usable(sim, "sim"), path));
        }

        /// <summary>A new handle on the same organization whose Exchange Online calls act as
        /// <paramref name="principal"/> (an unknown principal holds no role).</summary>
        public static SoaSimHandle SimAsPrincipal(SoaSimHandle sim, string principal)
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_as_principal(Usable(sim, "sim"), principal, out raw);
            return FinishSim(status, raw);
        }

        /// <summary>Adds (or replaces) a principal holding the roles in
        /// <paramref name="rolesJson"/> (a JSON array of role names).</summary>
        public static void AddPrincipal(SoaSimHandle sim, string principal, string rolesJson)
        {
            Check(Native.soa_sim_add_principal(Usable(sim, "sim"), principal, rolesJson));
        }

        /// <summary>The organization's counts (an OrgSummary) as JSON.</summary>
        public static string SimSummary(SoaSimHandle sim)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_summary(Usable(sim, "sim"), out json);
            return Finish(status, json);
        }

        // --- simulated organization: clock and sync engines ------------------------------------

        /// <summary>The virtual time, as RFC 3339 text.</summary>
        public static string SimNow(SoaSimHandle sim)
        {
            IntPtr now = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_now(Usable(sim, "sim"), out now);
            return Finish(status, now);
        }

        /// <summary>Moves the clock forward by <paramref name="minutes"/> (0 or more) and returns
        /// the reports of the cycles that fell due (a JSON array of CycleReport).</summary>
        public static string Advance(SoaSimHandle sim, long minutes)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_advance(Usable(sim, "sim"), minutes, out json);
            return Finish(status, json);
        }

        /// <summary>Runs one Entra Connect Sync cycle; returns its SyncReport as JSON.</summary>
        public static string SyncCycle(SoaSimHandle sim)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_sync_cycle(Usable(sim, "sim"), out json);
            return Finish(status, json);
        }

        /// <summary>Runs one Cloud Sync writeback cycle; returns its WritebackReport as JSON.</summary>
        public static string WritebackCycle(SoaSimHandle sim)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_writeback_cycle(Usable(sim, "sim"), out json);
            return Finish(status, json);
        }

        /// <summary>The current sync export errors, as a JSON array.</summary>
        public static string SyncErrors(SoaSimHandle sim)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_sync_errors(Usable(sim, "sim"), out json);
            return Finish(status, json);
        }

        /// <summary>Sets the Entra Connect Sync version (e.g. "2.5.190.0").</summary>
        public static void SetConnectSyncVersion(SoaSimHandle sim, string version)
        {
            Check(Native.soa_sim_set_connect_sync_version(Usable(sim, "sim"), version));
        }

        /// <summary>Installs the Cloud Sync agent described by <paramref name="agentJson"/> (a
        /// CloudSyncAgent), or removes it when <paramref name="agentJson"/> is null.</summary>
        public static void SetCloudSyncAgent(SoaSimHandle sim, string agentJson)
        {
            Check(Native.soa_sim_set_cloud_sync_agent(Usable(sim, "sim"), agentJson));
        }

        // --- simulated organization: the on-premises side --------------------------------------

        /// <summary>Creates an AD account from a NewAdUser (JSON); returns its objectGUID.</summary>
        public static string AddAdUser(SoaSimHandle sim, string userJson)
        {
            IntPtr guid = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_add_ad_user(Usable(sim, "sim"), userJson, out guid);
            return Finish(status, guid);
        }

        /// <summary>An AD account's attributes, keyed by LDAP name, as a JSON object.</summary>
        public static string AdAttributes(SoaSimHandle sim, string identity)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_ad_attributes(Usable(sim, "sim"), identity, out json);
            return Finish(status, json);
        }

        /// <summary>Changes AD attributes of an account (a JSON object from attribute names to
        /// values; null clears).</summary>
        public static void SetAdAttributes(SoaSimHandle sim, string identity, string changesJson)
        {
            Check(Native.soa_sim_set_ad_attributes(Usable(sim, "sim"), identity, changesJson));
        }

        /// <summary>Removes an AD account; its cloud user goes at the next sync cycle.</summary>
        public static void RemoveAdUser(SoaSimHandle sim, string identity)
        {
            Check(Native.soa_sim_remove_ad_user(Usable(sim, "sim"), identity));
        }

        /// <summary>Assigns an Exchange Online license to a cloud user.</summary>
        public static void AssignLicense(SoaSimHandle sim, string identity)
        {
            Check(Native.soa_sim_assign_license(Usable(sim, "sim"), identity));
        }

        /// <summary>Creates a cloud-only mailbox of a recipient type ("UserMailbox",
        /// "SharedMailbox", ...); returns its ExternalDirectoryObjectId.</summary>
        public static string AddCloudMailbox(SoaSimHandle sim, string userPrincipalName, string recipientType)
        {
            IntPtr id = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_add_cloud_mailbox(
                Usable(sim, "sim"), userPrincipalName, recipientType, out id);
            return Finish(status, id);
        }

        // --- simulated organization: Exchange Online (RBAC and audit apply) --------------------

        /// <summary>Get-Mailbox: the mailbox as JSON, in the Get-Mailbox | ConvertTo-Json shape.</summary>
        public static string GetMailbox(SoaSimHandle sim, string identity)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_get_mailbox(Usable(sim, "sim"), identity, out json);
            return Finish(status, json);
        }

        /// <summary>Get-User: the user as JSON, in the Get-User | ConvertTo-Json shape.</summary>
        public static string GetUser(SoaSimHandle sim, string identity)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_get_user(Usable(sim, "sim"), identity, out json);
            return Finish(status, json);
        }

        /// <summary>Set-Mailbox with a MailboxChanges (JSON: {"set":{...},"add":{...},"remove":{...}}).</summary>
        public static void SetMailbox(SoaSimHandle sim, string identity, string changesJson)
        {
            Check(Native.soa_sim_set_mailbox(Usable(sim, "sim"), identity, changesJson));
        }

        /// <summary>Set-Mailbox -IsExchangeCloudManaged, in a call of its own.</summary>
        public static void SetCloudManaged(SoaSimHandle sim, string identity, bool value)
        {
            Check(Native.soa_sim_set_cloud_managed(Usable(sim, "sim"), identity, value ? 1 : 0));
        }

        /// <summary>Get-OrganizationConfig, as JSON.</summary>
        public static string GetOrganizationConfig(SoaSimHandle sim)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_get_organization_config(Usable(sim, "sim"), out json);
            return Finish(status, json);
        }

        /// <summary>Set-OrganizationConfig -ExchangeAttributesCloudManagedByDefault (true) or
        /// -ExchangeAttributesServerManagedByDefault (false).</summary>
        public static void SetCloudManagedByDefault(SoaSimHandle sim, bool enabled)
        {
            Check(Native.soa_sim_set_cloud_managed_by_default(Usable(sim, "sim"), enabled ? 1 : 0));
        }

        /// <summary>The role assignments that grant <c>cmdlet -parameter</c>, as a JSON array.</summary>
        public static string RoleAssignments(SoaSimHandle sim, string cmdlet, string parameter)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_role_assignments(Usable(sim, "sim"), cmdlet, parameter, out json);
            return Finish(status, json);
        }

        /// <summary>Search-AdminAuditLog with an AuditQuery (JSON; "{}" matches everything); the
        /// records as a JSON array.</summary>
        public static string SearchAdminAuditLog(SoaSimHandle sim, string queryJson)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_search_admin_audit_log(Usable(sim, "sim"), queryJson, out json);
            return Finish(status, json);
        }

        /// <summary>Starts a lazy listing of the mailboxes passing a MailboxFilter (JSON; "{}"
        /// lists all). The caller's right to list is checked now; no page is read until
        /// <see cref="NextMailboxPage"/>. Dispose the pager when done.</summary>
        public static SoaMailboxPagerHandle ListMailboxes(SoaSimHandle sim, string filterJson)
        {
            IntPtr raw = IntPtr.Zero;
            SoaStatus status = Native.soa_sim_list_mailboxes(Usable(sim, "sim"), filterJson, out raw);
            if (status != SoaStatus.Ok)
            {
                SoaException failure = Failure(status);
                Native.soa_mailbox_pager_free(raw);
                throw failure;
            }
            return new SoaMailboxPagerHandle(raw);
        }

        /// <summary>The next page of at most <paramref name="pageSize"/> mailboxes (0 counts as
        /// 1) as a JSON array; "[]" once the listing is exhausted.</summary>
        public static string NextMailboxPage(SoaMailboxPagerHandle pager, uint pageSize)
        {
            IntPtr json = IntPtr.Zero;
            SoaStatus status = Native.soa_mailbox_pager_next(Usable(pager, "pager"), pageSize, out json);
            return Finish(status, json);
        }

        // --- diagnostics -----------------------------------------------------------------------

        /// <summary>Makes the library panic inside its boundary: always throws a SoaException with
        /// status Panic. For tests.</summary>
        public static void DebugPanic()
        {
            Check(Native.soa_debug_panic());
        }
    }
}
