namespace ProcessGrid.Runtime.Membership;

/// <summary>The whole membership table of one cluster, read atomically with its version.</summary>
/// <param name="Version">The table version: every status change and vote increments it, by compare-and-swap.</param>
/// <param name="Entries">The rows.</param>
internal sealed record MembershipTableData(long Version, IReadOnlyList<MembershipEntry> Entries);
