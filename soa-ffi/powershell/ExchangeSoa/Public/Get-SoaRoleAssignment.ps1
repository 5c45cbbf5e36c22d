function Get-SoaRoleAssignment {
    <#
    .SYNOPSIS
    Gets the role assignments that grant a cmdlet parameter, through a session (a tenant or a simulated organization).

    .DESCRIPTION
    Writes who holds a role granting 'Cmdlet -Parameter' (by default Set-Mailbox
    -IsExchangeCloudManaged, the right to flip mailboxes), as Get-ManagementRole -Cmdlet
    -CmdletParameters joined with Get-ManagementRoleAssignment.

    .EXAMPLE
    Get-SoaRoleAssignment -Session $s
    #>
    [CmdletBinding()]
    [OutputType('ExchangeSoa.RoleAssignment')]
    param(
        [Parameter(Mandatory, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [PSTypeName('ExchangeSoa.Session')]
        [psobject] $Session,

        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string] $Cmdlet = 'Set-Mailbox',

        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty()]
        [string] $Parameter = 'IsExchangeCloudManaged'
    )

    process {
        try {
            $assignments = @(ConvertFrom-JsonArray -Json ([ExchangeSoa.Api]::RoleAssignments($Session.Backend, $Cmdlet, $Parameter)))
        }
        catch {
            $PSCmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject "$Cmdlet -$Parameter"))
            return
        }
        foreach ($assignment in $assignments) {
            [pscustomobject]@{
                PSTypeName = 'ExchangeSoa.RoleAssignment'
                Role       = $assignment.role
                Assignee   = $assignment.assignee
                Cmdlet     = $Cmdlet
                Parameter  = $Parameter
            }
        }
    }
}
