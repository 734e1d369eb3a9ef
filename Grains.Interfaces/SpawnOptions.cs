namespace ProcessGrid;

/// <summary>Options for starting a process.</summary>
public sealed record SpawnOptions
{
    /// <summary>
    /// A node-local name to register the process under as it starts (like <c>gen_server:start({local, Name}, ...)</c>).
    /// The start fails if the name is taken.
    /// </summary>
    public string? Name { get; init; }
}
