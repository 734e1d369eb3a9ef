namespace ProcessGrid.Runtime.Membership;

/// <summary>
/// The messages of the development membership provider: a joining node asks the seed, over their connection, to do
/// one <see cref="IMembershipTable"/> operation on the table the seed keeps in memory.
/// </summary>
internal static class DevelopmentTableProtocol
{
    /// <summary>The operations.</summary>
    public enum Operation
    {
        /// <summary><see cref="IMembershipTable.InitializeAsync"/>.</summary>
        Initialize = 1,

        /// <summary><see cref="IMembershipTable.ReadAllAsync"/>.</summary>
        ReadAll = 2,

        /// <summary><see cref="IMembershipTable.InsertAsync"/>.</summary>
        Insert = 3,

        /// <summary><see cref="IMembershipTable.UpdateAsync"/>.</summary>
        Update = 4,

        /// <summary><see cref="IMembershipTable.UpdateIAmAliveAsync"/>.</summary>
        IAmAlive = 5,

        /// <summary><see cref="IMembershipTable.DeleteDefunctAsync"/>.</summary>
        DeleteDefunct = 6,
    }

    /// <summary>One request.</summary>
    /// <param name="Correlation">Matches the response to the request.</param>
    /// <param name="Op">What to do.</param>
    /// <param name="Entry">The row, for insert and update.</param>
    /// <param name="ExpectedVersion">The version the write is conditional on.</param>
    /// <param name="Name">The node, for I-am-alive.</param>
    /// <param name="Creation">The node's creation, for I-am-alive.</param>
    /// <param name="At">The time, for I-am-alive and the defunct cutoff.</param>
    public sealed record Request(long Correlation, Operation Op, MembershipEntry? Entry, long ExpectedVersion, NodeName Name, long Creation, DateTimeOffset At);

    /// <summary>The answer.</summary>
    /// <param name="Correlation">The request's correlation.</param>
    /// <param name="Error">Why it failed, or null.</param>
    /// <param name="Data">The table, for read-all.</param>
    /// <param name="Written">Whether a conditional write happened.</param>
    /// <param name="Count">How many rows were deleted.</param>
    public sealed record Response(long Correlation, string? Error, MembershipTableData? Data, bool Written, int Count);
}
