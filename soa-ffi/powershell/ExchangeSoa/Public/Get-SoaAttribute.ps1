function Get-SoaAttribute {
    <#
    .SYNOPSIS
    Gets attributes from the exchange-soa catalog.

    .DESCRIPTION
    Looks an attribute up by any of its names (LDAP name, Exchange Online property, Set-Mailbox
    parameter or Graph name; case-insensitive; wildcards allowed) and writes its class (identity,
    exchange or cloud_only), whether Entra Cloud Sync writes it back to AD, and its provenance.
    Without -Name, writes every attribute of the catalog.

    .PARAMETER Name
    Names of attributes. Wildcards match any of an attribute's names.

    .PARAMETER OverridePath
    An override file (JSON, {"attributes": [...]}) to apply to the built-in catalog.

    .EXAMPLE
    Get-SoaAttribute extensionAttribute1

    .EXAMPLE
    Get-SoaAttribute | Where-Object WrittenBack
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.Attribute')]
    param(
        [Parameter(Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('Attribute')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Name,

        [Parameter()]
        [string] $OverridePath
    )

    begin {
        $catalog = Get-CommandCatalog -Cmdlet $PSCmdlet -OverridePath $OverridePath
    }

    process {
        $wanted = $Name
        if ($null -eq $wanted) {
            $wanted = @('*')
        }
        foreach ($item in $wanted) {
            try {
                foreach ($attribute in @(Find-CatalogAttribute -Catalog $catalog -Name $item)) {
                    ConvertTo-AttributeObject -Attribute $attribute
                }
            }
            catch {
                $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $item -UnknownAttributeCategory 'ObjectNotFound'))
            }
        }
    }
}
