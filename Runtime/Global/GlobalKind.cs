namespace ProcessGrid.Runtime.Global;

/// <summary>What a claim in the global table is for: the two share the table, its fencing and its notifications.</summary>
internal enum GlobalKind : short
{
    /// <summary>A registered name (<c>global:register_name</c>).</summary>
    Name = 0,

    /// <summary>A held lock (<c>global:set_lock</c>).</summary>
    Lock = 1,
}
