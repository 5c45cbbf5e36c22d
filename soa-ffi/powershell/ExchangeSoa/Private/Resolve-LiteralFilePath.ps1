# A full file-system path for a path given to a cmdlet, relative to PowerShell's current location
# (not the process's), taken literally.
function Resolve-LiteralFilePath {
    param([System.Management.Automation.PSCmdlet] $Cmdlet, [string] $Path)

    return $Cmdlet.GetUnresolvedProviderPathFromPSPath($Path)
}
