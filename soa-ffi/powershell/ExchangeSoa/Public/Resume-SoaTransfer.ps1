function Resume-SoaTransfer {
    <#
    .SYNOPSIS
    Finishes a transfer run that was interrupted (a crash, a kill, a stopped pipeline).

    .DESCRIPTION
    Reads the plan and the journal of -RunDirectory and finishes every mailbox that is not done. A
    mailbox whose flip may have been sent is read back first and never flipped again once it is
    cloud-managed; none is flipped without its backup. Writes one result per mailbox of the plan.

    .EXAMPLE
    Resume-SoaTransfer -Session $s -RunDirectory ./soa-runs/20261127T090000Z-1a2b-1 -Force
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType('ExchangeSoa.TransferResult')]
    param(
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)]
        [PSTypeName('ExchangeSoa.Session')]
        [psobject] $Session,

        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string] $RunDirectory,

        [Parameter()]
        [switch] $Force
    )

    begin {
        $ConfirmPreference = Get-ForcedConfirmPreference -BoundParameters $PSBoundParameters -Current $ConfirmPreference
        # Results piped from Start-SoaTransfer carry the same folder (and session) once per
        # mailbox: each folder is resumed once, with the session it came with.
        $runs = [ordered]@{}
    }

    process {
        $runs[(Resolve-LiteralFilePath -Cmdlet $PSCmdlet -Path $RunDirectory)] = $Session
    }

    end {
        foreach ($runDir in @($runs.Keys)) {
            $runSession = $runs[$runDir]
            if (-not $PSCmdlet.ShouldProcess($runDir, 'Resume the transfer (finish every mailbox not done; none is flipped twice)')) {
                continue
            }
            $activity = "Resuming the transfer in $runDir"
            try {
                $report = [ExchangeSoa.Api]::ResumeTransfer($runSession.Handle, $runDir, (Get-TransferProgressHandler -Activity $activity))
            }
            catch {
                $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $runDir))
                continue
            }
            finally {
                Write-Progress -Id 1 -Activity $activity -Completed
            }
            ConvertTo-TransferResultObject -ReportJson $report -RunDirectory $runDir -Session $runSession
        }
    }
}
