namespace ProcessGrid;

/// <summary>
/// Names the persistent state a constructor parameter of type <see cref="IPersistentState{TState}"/> stands for, so
/// that one virtual process can keep several states side by side (<c>[PersistentState("profile")]</c>,
/// <c>[PersistentState("settings")]</c>). Without it the state's name is <see cref="DefaultName"/>.
/// </summary>
/// <remarks>The name is part of the stored record's identity (with the kind and key): renaming it starts from empty state.</remarks>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class PersistentStateAttribute : Attribute
{
    /// <summary>The name of a state whose parameter has no attribute.</summary>
    public const string DefaultName = "state";

    /// <summary>Names the state <paramref name="name"/>.</summary>
    /// <param name="name">1 to 100 characters, unique among the states of the class.</param>
    public PersistentStateAttribute(string name) => Name = name;

    /// <summary>The state's name.</summary>
    public string Name { get; }
}
