function Restore-SoaBackup {
    <#
    .SYNOPSIS
    Restores a mailbox's Exchange values from a transfer backup: in Exchange Online, or as an on-premises script.

    .DESCRIPTION
    Backups are the files in a run folder's backups/ (one per mailbox, checksummed: a damaged or
    edited backup is refused). For a cloud-managed mailbox, the values that differ are set again
    with one Set-Mailbox call and read back (-WhatIf names them without changing anything). For a
    mailbox mastered in AD, -AsScript writes a PowerShell script of Set-ADUser -Replace commands
    (every value a quoted literal) to review and run on-premises; it changes nothing.

    .EXAMPLE
    Get-ChildItem ./soa-runs/$($plan.RunId)/backups | Restore-SoaBackup -Session $s -WhatIf

    .EXAMPLE
    Restore-SoaBackup -Session $s -Path $backupFile -AsScript | Set-Content restore-alice.ps1
    #>
    [CmdletBinding(DefaultParameterSetName = 'Cloud', SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType('ExchangeSoa.RestoreReport', 'System.String')]
    param(
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)]
        [PSTypeName('ExchangeSoa.Session')]
        [psobject] $Session,

        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('LiteralPath', 'PSPath')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Path,

        [Parameter(ParameterSetName = 'Script', Mandatory)]
        [switch] $AsScript,

        [Parameter()]
        [switch] $Force
    )

    begin {
        $ConfirmPreference = Get-ForcedConfirmPreference -BoundParameters $PSBoundParameters -Current $ConfirmPreference
    }

    process {
        foreach ($item in $Path) {
            $file = Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $item
            if ($PSCmdlet.ParameterSetName -eq 'Script') {
                try {
                    [ExchangeSoa.Api]::RestoreScript($Session.Handle, $file)
                }
                catch {
                    $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $file))
                }
                continue
            }
            try {
                # A dry run first: it names the values that differ, for -WhatIf and -Confirm; a
                # backup with nothing to set again is reported as it is.
                $report = ConvertFrom-Json -InputObject ([ExchangeSoa.Api]::RestoreInCloud($Session.Handle, $file, $true))
                foreach ($pending in @(Select-PendingRestore -Report $report)) {
                    if ($PSCmdlet.ShouldProcess($pending.Identity, "Set-Mailbox from the backup: $($pending.Names)")) {
                        $report = ConvertFrom-Json -InputObject ([ExchangeSoa.Api]::RestoreInCloud($Session.Handle, $file, $false))
                    }
                }
            }
            catch {
                $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $file))
                continue
            }
            [pscustomobject]@{
                PSTypeName = 'ExchangeSoa.RestoreReport'
                Identity   = $report.identity
                DryRun     = [bool]$report.dry_run
                Verified   = [bool]$report.verified
                Changes    = ConvertTo-OrderedDictionary -InputObject $report.changes.set
                Backup     = $file
            }
        }
    }
}
