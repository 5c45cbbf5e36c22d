# The file name of the native library on this platform. Windows PowerShell 5.1 (the Desktop
# edition) runs on Windows only and has no $IsWindows.
function Get-NativeLibraryFileName {
    if ($PSVersionTable.PSEdition -eq 'Desktop' -or $IsWindows) {
        return 'soa_ffi.dll'
    }
    if ($IsMacOS) {
        return 'libsoa_ffi.dylib'
    }
    return 'libsoa_ffi.so'
}
