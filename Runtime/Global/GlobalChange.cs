namespace ProcessGrid.Runtime.Global;

/// <summary>One committed change of the global table, as every node hears of it, in commit order.</summary>
/// <param name="Claimed">True for a claim, false for a release.</param>
/// <param name="Kind">A name or a lock.</param>
/// <param name="Name">The name or locked resource.</param>
/// <param name="Pid">The holder's pid, in text form.</param>
/// <param name="Seq">
/// The claim's sequence number (for a release: of the claim it ends). Claims of one name are numbered in the order
/// they were committed, so a change older than what a node holds for the name is recognized and ignored.
/// </param>
/// <param name="Resolve">The resolve method stored with a claimed name, or null.</param>
internal readonly record struct GlobalChange(bool Claimed, GlobalKind Kind, string Name, string Pid, long Seq, string? Resolve);
