function New-SoaEmulatorToken {
    <#
    .SYNOPSIS
    Issues an access token from an emulator, acting as a principal of its organization.

    .DESCRIPTION
    Writes the token as a SecureString, ready for Connect-SoaTenant -AccessToken. A principal the
    organization does not know holds no role: every call it makes is denied.

    .EXAMPLE
    $token = New-SoaEmulatorToken -Emulator $emulator -Principal admin@contoso.com
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    [OutputType([securestring])]
    param(
        [Parameter(Mandatory)]
        [PSTypeName('ExchangeSoa.Emulator')]
        [psobject] $Emulator,

        [Parameter(Mandatory, Position = 0, ValueFromPipeline)]
        [ValidateNotNullOrEmpty()]
        [string] $Principal
    )

    process {
        if (-not $PSCmdlet.ShouldProcess($Principal, 'Issue an emulator access token')) {
            return
        }
        try {
            $token = [ExchangeSoa.Api]::IssueToken($Emulator.Handle, $Principal)
            ConvertTo-SecureString -String $token -AsPlainText -Force
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $Principal))
        }
        finally {
            $token = $null
        }
    }
}
