#Requires -Version 5.1
<#
ExchangeSoa: source of authority of Exchange attributes in hybrid Exchange, for Windows PowerShell
5.1 and PowerShell 7.

The module is a thin front end over the exchange-soa native library (soa_ffi), reached through the
C# layer of SoaNative.cs. Every decision (who masters an attribute, whether an edit sticks, what a
rollback loses, which prerequisites block, where a run keeps its files) is made by the library; the
functions only turn parameters into the library's JSON and its JSON into objects.

Layout, community style:
    ExchangeSoa.psd1           the manifest; FunctionsToExport lists exactly the files of Public/
    ExchangeSoa.psm1           this loader: dot-sources Private/ then Public/, loads the library
    Public/<Verb-Noun>.ps1     one exported function per file, named after it
    Private/<Verb-Noun>.ps1    one helper per file (conversions between objects and JSON)
    ExchangeSoa.format.ps1xml  the views of the objects the functions emit
    SoaNative.cs               the C# layer (P/Invoke declarations, handles, the facade)
    soa_ffi.dll (Windows), libsoa_ffi.so (Linux) or libsoa_ffi.dylib (macOS)
#>

foreach ($folder in @('Private', 'Public')) {
    $files = @(Get-ChildItem -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath $folder) -Filter '*.ps1' -File)
    foreach ($file in $files) {
        . $file.FullName
    }
}
Remove-Variable -Name folder, files, file -ErrorAction Ignore

# --- loading the native library ------------------------------------------------------------------

$script:NativeLibraryPath = Join-Path -Path $PSScriptRoot -ChildPath (Get-NativeLibraryFileName)
if (-not (Test-Path -LiteralPath $script:NativeLibraryPath -PathType Leaf)) {
    $message = "ExchangeSoa: the native library was not found at '$($script:NativeLibraryPath)'. " +
        "Build it with 'cargo build --release -p soa-ffi' and copy $(Get-NativeLibraryFileName) " +
        'from target/release next to ExchangeSoa.psd1.'
    throw [System.IO.FileNotFoundException]::new($message, $script:NativeLibraryPath)
}

# Add-Type cannot redefine a type in a session: compile SoaNative.cs only once, even when the
# module is removed and imported again.
if (-not ('ExchangeSoa.Api' -as [type])) {
    Add-Type -Path (Join-Path -Path $PSScriptRoot -ChildPath 'SoaNative.cs') -IgnoreWarnings
}

# DllImport("soa_ffi") would search the process's library path (and .NET Framework has no
# NativeLibrary): load the file next to the module by its full path before the first call
# (NativeLoader in SoaNative.cs).
$null = [ExchangeSoa.NativeLoader]::UseLibrary($script:NativeLibraryPath)
try {
    $script:NativeVersion = [ExchangeSoa.Api]::Version()
}
catch {
    $message = "ExchangeSoa: could not load the native library '$($script:NativeLibraryPath)': " +
        $_.Exception.GetBaseException().Message
    throw [System.DllNotFoundException]::new($message, $_.Exception)
}
$manifest = Import-PowerShellDataFile -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath 'ExchangeSoa.psd1')
if ($script:NativeVersion -ne $manifest.ModuleVersion) {
    Write-Warning -Message ("ExchangeSoa $($manifest.ModuleVersion) is running with native library " +
        "$($script:NativeVersion) from '$($script:NativeLibraryPath)'; use the library built with this module.")
}
Remove-Variable -Name manifest

$script:BuiltinCatalog = $null
$script:OverrideCatalogs = @{}

$ExecutionContext.SessionState.Module.OnRemove = {
    foreach ($entry in $script:OverrideCatalogs.Values) {
        $entry.Handle.Dispose()
    }
    $script:OverrideCatalogs = @{}
    if ($null -ne $script:BuiltinCatalog) {
        $script:BuiltinCatalog.Dispose()
        $script:BuiltinCatalog = $null
    }
}
