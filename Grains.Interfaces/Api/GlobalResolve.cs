namespace ProcessGrid;

/// <summary>
/// How a conflict between two claims on a global name is decided (the third argument of Erlang's
/// <c>global:register_name/3</c>). A conflict arises when a claim finds the name taken by a claim it could not have
/// known about: both were made at the same time on different nodes, the counterpart of Erlang's two partitions
/// meeting. The decision picks the process that keeps the name; the other is dealt with as the method says.
/// </summary>
public sealed class GlobalResolve
{
    private GlobalResolve(string method) => Method = method;

    /// <summary>The method's name as stored with the claim: a built-in's Erlang name, or a resolver added on the nodes.</summary>
    public string Method { get; }

    /// <summary>Keeps one of the two at random and kills the other (exit reason <c>kill</c>). Erlang's default.</summary>
    public static GlobalResolve RandomExitName { get; } = new("random_exit_name");

    /// <summary>Keeps one of the two at random; the other gets <see cref="GlobalNameConflict"/> and stays alive.</summary>
    public static GlobalResolve RandomNotifyName { get; } = new("random_notify_name");

    /// <summary>Neither keeps the name: it is unregistered, and both get <see cref="GlobalNameConflict"/> naming the other.</summary>
    public static GlobalResolve NotifyAllNames { get; } = new("notify_all_names");

    /// <summary>
    /// A resolve function added with <see cref="IGlobalRegistry.AddResolver"/> under <paramref name="name"/> on the nodes:
    /// given the name and the two pids, it returns the one that keeps the name, or null for neither (both are then
    /// unregistered and left alone; the function may notify or stop them itself).
    /// </summary>
    public static GlobalResolve Named(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return name is "random_exit_name" or "random_notify_name" or "notify_all_names"
            ? throw new ArgumentException($"'{name}' is a built-in method: use GlobalResolve.{(name == "random_exit_name" ? nameof(RandomExitName) : name == "random_notify_name" ? nameof(RandomNotifyName) : nameof(NotifyAllNames))}.", nameof(name))
            : new GlobalResolve(name);
    }

    /// <summary>The method stored as <paramref name="method"/>, or null for none.</summary>
    public static GlobalResolve? FromMethod(string? method) => method switch
    {
        null or "" => null,
        "random_exit_name" => RandomExitName,
        "random_notify_name" => RandomNotifyName,
        "notify_all_names" => NotifyAllNames,
        _ => new GlobalResolve(method),
    };

    /// <inheritdoc />
    public override string ToString() => Method;
}
