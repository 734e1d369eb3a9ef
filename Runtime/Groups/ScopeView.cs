using System.Collections.Immutable;

namespace ProcessGrid.Runtime.Groups;

/// <summary>
/// A scope's groups as its process last published them (Erlang's pg keeps them in an ETS table with read
/// concurrency; here an immutable map replaced by one reference write). Readers on any thread read it without locks
/// or waiting; only the scope process publishes, once per batch of messages it handles.
/// </summary>
/// <param name="Groups">Every group with members, by name.</param>
internal sealed record ScopeView(ImmutableDictionary<string, GroupView> Groups)
{
    /// <summary>A scope with no groups.</summary>
    public static ScopeView Empty { get; } = new(ImmutableDictionary.Create<string, GroupView>(StringComparer.Ordinal));

    /// <summary>The group <paramref name="group"/>, or the empty group.</summary>
    public GroupView this[string group] => Groups.TryGetValue(group, out var view) ? view : GroupView.Empty;
}
