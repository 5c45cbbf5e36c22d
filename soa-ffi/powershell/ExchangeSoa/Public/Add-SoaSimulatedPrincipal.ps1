function Add-SoaSimulatedPrincipal {
    <#
    .SYNOPSIS
    Adds a principal to a simulated organization, or replaces its roles.

    .DESCRIPTION
    The principal holds exactly the roles given. Built-in roles: Exchange Administrator, Global
    Administrator, Organization Management, Recipient Management (Get-*, Set-Mailbox,
    Search-AdminAuditLog) and View-Only Organization Management (Get-*, Search-AdminAuditLog).

    .EXAMPLE
    Add-SoaSimulatedPrincipal -Org $org -Principal helpdesk@contoso.com -Role 'Recipient Management'
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    param(
        [Parameter(Mandatory)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org,

        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string] $Principal,

        [Parameter(Mandatory, Position = 1, ValueFromPipelineByPropertyName)]
        [AllowEmptyCollection()]
        [string[]] $Role
    )

    process {
        $roles = [string[]]@($Role | Where-Object { -not [string]::IsNullOrWhiteSpace($_) })
        if (-not $PSCmdlet.ShouldProcess($Principal, "Grant the roles: $($roles -join ', ')")) {
            return
        }
        try {
            [ExchangeSoa.Api]::AddPrincipal($Org.Handle, $Principal, (ConvertTo-Json -InputObject $roles -Compress))
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Principal))
        }
    }
}
