namespace ProcessGrid;

/// <summary>
/// A message was sent to a registered name that no process holds (Erlang raises <c>badarg</c> for <c>Name ! Msg</c>).
/// </summary>
public sealed class NameNotRegisteredException : ProcessGridException
{
    /// <summary>Creates the error for <paramref name="name"/>.</summary>
    public NameNotRegisteredException(string name)
        : base($"No process is registered as '{name}' on this node. Register it first (grid.Register) or check the name with grid.Whereis.") =>
        Name = name;

    /// <summary>Creates the error for <paramref name="name"/> with a message of its own (for names other than node-local ones).</summary>
    public NameNotRegisteredException(string name, string message)
        : base(message) =>
        Name = name;

    /// <summary>The name that was not registered.</summary>
    public string Name { get; }
}
