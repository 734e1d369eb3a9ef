namespace ProcessGrid.Runtime.Groups;

/// <summary>
/// Process groups (section <c>ProcessGrid:Groups</c>): the scopes a node runs from start besides the default one
/// (Erlang's <c>pg:start/1</c> in a node's boot).
/// </summary>
public sealed class GroupsOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "ProcessGrid:Groups";

    /// <summary>The longest scope name accepted.</summary>
    public const int MaxScopeNameLength = 255;

    /// <summary>
    /// Scopes to start with the node, in addition to the default scope (<see cref="IProcessGroups.DefaultScope"/>),
    /// which always runs: <c>ProcessGrid:Groups:Scopes:0=chat</c>. Default: none.
    /// </summary>
    public IList<string> Scopes { get; } = [];

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentException">A scope name is invalid; the message names the setting.</exception>
    public void Validate()
    {
        for (var i = 0; i < Scopes.Count; i++)
        {
            if (ScopeNameError(Scopes[i]) is { } error)
            {
                throw new ArgumentException($"{SectionName}:{nameof(Scopes)}:{i} is invalid: {error}");
            }
        }
    }

    /// <summary>Why <paramref name="name"/> cannot name a scope, or null when it can.</summary>
    internal static string? ScopeNameError(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "a scope name cannot be empty.";
        }
        if (name.Length > MaxScopeNameLength)
        {
            return $"a scope name is at most {MaxScopeNameLength} characters ('{name[..20]}...' has {name.Length}).";
        }
        foreach (var c in name)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return $"'{name}' holds a space or control character; a scope name is one word, like 'pg' or 'chat'.";
            }
        }
        return null;
    }
}
