function Start-SoaTransfer {
    <#
    .SYNOPSIS
    Runs a transfer plan: backs up, sets IsExchangeCloudManaged and verifies each mailbox.

    .DESCRIPTION
    For every mailbox the plan says go: writes a checksummed backup of its attributes (fsynced
    before anything changes), sets IsExchangeCloudManaged to True in a call of its own, reads it
    back (an error that in fact applied counts as applied; a success that did not, as failed) and,
    with a probe attribute in the plan's policy, proves the mailbox is editable in the cloud.
    Everything is journaled in -RunDirectory (by default soa-runs/<RunId> under the current
    folder), so Resume-SoaTransfer finishes a run that was interrupted, never flipping a mailbox
    twice. Progress is shown with Write-Progress. Writes one result per mailbox.

    A plan whose organization findings block is refused. Asks for confirmation unless -Force or
    -Confirm:$false is given; -WhatIf lists the mailboxes that would be transferred.

    .EXAMPLE
    $plan | Start-SoaTransfer -Session $s -WhatIf

    .EXAMPLE
    Start-SoaTransfer -Session $s -Plan $plan -RunDirectory ./runs/wave1 -Force | Group-Object Step
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType('ExchangeSoa.TransferResult')]
    param(
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)]
        [PSTypeName('ExchangeSoa.Session')]
        [psobject] $Session,

        [Parameter(Mandatory, Position = 0, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.TransferPlan')]
        [psobject] $Plan,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $RunDirectory,

        [Parameter()]
        [switch] $Force
    )

    begin {
        $ConfirmPreference = Get-ForcedConfirmPreference -BoundParameters $PSBoundParameters -Current $ConfirmPreference
    }

    process {
        $runDir = Resolve-RunDirectory -Cmdlet $PSCmdlet -Path $RunDirectory -RunId $Plan.RunId
        $target = "$(Format-PlanTarget -Plan $Plan) of plan $($Plan.RunId) in $($Session.Tenant)"
        if (-not $PSCmdlet.ShouldProcess($target, "Back up, set IsExchangeCloudManaged to True and verify (journal in $runDir)")) {
            return
        }
        $activity = "Transferring the source of authority (plan $($Plan.RunId))"
        try {
            $report = [ExchangeSoa.Api]::RunTransfer($Session.Handle, $Plan.Json, $runDir, $false,
                (Get-TransferProgressHandler -Activity $activity))
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Plan.RunId))
            return
        }
        finally {
            Write-Progress -Id 1 -Activity $activity -Completed
        }
        ConvertTo-TransferResultObject -ReportJson $report -RunDirectory $runDir -Session $Session
    }
}
