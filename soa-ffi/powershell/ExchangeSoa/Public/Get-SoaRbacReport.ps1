function Get-SoaRbacReport {
    <#
    .SYNOPSIS
    Reviews who can flip mailboxes (Set-Mailbox -IsExchangeCloudManaged) and how to confine that right.

    .DESCRIPTION
    Writes the role assignments that carry the right, the commands that create a dedicated role
    and role group (-RoleGroupName) holding only it, and what is not known for certain.

    .EXAMPLE
    (Get-SoaRbacReport -Session $s -RoleGroupName 'SOA Operators').Commands
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.RbacReport')]
    param(
        [Parameter(Mandatory, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [PSTypeName('ExchangeSoa.Session')]
        [psobject] $Session,

        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string] $RoleGroupName = 'SOA Transfer Operators'
    )

    process {
        try {
            $report = ConvertFrom-Json -InputObject ([ExchangeSoa.Api]::RbacReview($Session.Handle, $RoleGroupName))
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $RoleGroupName))
            return
        }
        ConvertTo-RbacReportObject -Report $report -RoleGroupName $RoleGroupName
    }
}
