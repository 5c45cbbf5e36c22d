# The catalog a cmdlet works with (Get-CatalogHandle: the built-in one, or with -OverridePath
# applied); a catalog that cannot be made ends the cmdlet with the library's error.
function Get-CommandCatalog {
    param([System.Management.Automation.PSCmdlet] $Cmdlet, [string] $OverridePath)

    try {
        return Get-CatalogHandle -OverridePath $OverridePath
    }
    catch {
        $Cmdlet.ThrowTerminatingError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $OverridePath))
    }
}
