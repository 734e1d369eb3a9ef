namespace ProcessGrid.Runtime.Persistence;

/// <summary>Which stored record a persistent state is: the kind and key of its virtual process, and the state's name.</summary>
/// <param name="Kind">The virtual process kind (the <c>Kind</c> of its pid).</param>
/// <param name="Key">The virtual process key.</param>
/// <param name="Name">The state's name (<see cref="PersistentStateAttribute"/>).</param>
internal readonly record struct StateId(string Kind, string Key, string Name)
{
    /// <summary>The virtual process whose state this is.</summary>
    public Pid Process => Pid.ForVirtual(Kind, Key);

    /// <summary>"the state 'name' of &lt;kind/key&gt;", for messages.</summary>
    public override string ToString() => $"the state '{Name}' of {Process}";
}
