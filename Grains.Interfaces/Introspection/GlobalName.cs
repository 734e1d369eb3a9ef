namespace ProcessGrid;

/// <summary>A global name and the process that holds it, as a node's copy of the global names has it.</summary>
/// <param name="Name">The name.</param>
/// <param name="Holder">The process registered under it.</param>
public sealed record GlobalName(string Name, Pid Holder);
