function Get-SoaSimulatedOrgSummary {
    <#
    .SYNOPSIS
    Gets the counts of a simulated organization and its virtual time.

    .DESCRIPTION
    AD accounts, cloud users, mailboxes (dir-synced, cloud-managed), users without an Exchange
    Online recipient, current sync errors, and the virtual clock. No role is needed: this is the
    simulation's own view.

    .EXAMPLE
    $org | Get-SoaSimulatedOrgSummary
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.SimulatedOrgSummary')]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.SimulatedOrg')]
        [psobject] $Org
    )

    process {
        try {
            $summary = [ExchangeSoa.Api]::SimSummary($Org.Handle) | ConvertFrom-Json
            $now = [System.DateTimeOffset]::Parse([ExchangeSoa.Api]::SimNow($Org.Handle), [System.Globalization.CultureInfo]::InvariantCulture).UtcDateTime
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Org.Tenant))
            return
        }
        [pscustomobject]@{
            PSTypeName            = 'ExchangeSoa.SimulatedOrgSummary'
            Tenant                = $Org.Tenant
            Now                   = $now
            AdUsers               = $summary.ad_users
            CloudUsers            = $summary.cloud_users
            Mailboxes             = $summary.mailboxes
            DirSyncedMailboxes    = $summary.dir_synced_mailboxes
            CloudManagedMailboxes = $summary.cloud_managed_mailboxes
            IdentityOnlyUsers     = $summary.identity_only_users
            SyncErrors            = $summary.sync_errors
        }
    }
}
