function Get-SoaEmulatorStatistic {
    <#
    .SYNOPSIS
    Gets what an emulator served: requests, tokens, cmdlets, statuses and injected faults.

    .EXAMPLE
    ($emulator | Get-SoaEmulatorStatistic).Faults
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.EmulatorStatistic')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline)]
        [PSTypeName('ExchangeSoa.Emulator')]
        [psobject] $Emulator
    )

    process {
        try {
            $stats = [ExchangeSoa.Api]::EmulatorStats($Emulator.Handle) | ConvertFrom-Json
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Emulator.BaseUrl))
            return
        }
        [pscustomobject]@{
            PSTypeName     = 'ExchangeSoa.EmulatorStatistic'
            Requests       = $stats.requests
            TokenRequests  = $stats.token_requests
            TokensIssued   = $stats.tokens_issued
            InvokeRequests = $stats.invoke_requests
            Unauthorized   = $stats.unauthorized
            ByCmdlet       = ConvertTo-OrderedDictionary -InputObject $stats.by_cmdlet
            ByStatus       = ConvertTo-OrderedDictionary -InputObject $stats.by_status
            Faults         = ConvertTo-OrderedDictionary -InputObject $stats.faults
        }
    }
}
