using System.Collections.Concurrent;
using System.Reflection;
using System.Text;

namespace ProcessGrid.Runtime.Serialization;

/// <summary>
/// Names types on the wire as <c>Namespace.Type, Assembly</c>, without versions, cultures or keys (recursively for
/// generic arguments), so that nodes running different builds of the same assembly still understand each other.
/// Both directions are cached.
/// </summary>
internal static class TypeNames
{
    private static readonly ConcurrentDictionary<Type, string> Names = new();
    private static readonly ConcurrentDictionary<Type, byte[]> Utf8Names = new();
    private static readonly ConcurrentDictionary<string, Type> Types = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, Type>.AlternateLookup<ReadOnlySpan<char>> TypesBySpan =
        Types.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The wire name of <paramref name="type"/>.</summary>
    public static string Of(Type type) => Names.GetOrAdd(type, static t => Build(t, new StringBuilder()).ToString());

    /// <summary>The wire name of <paramref name="type"/> in UTF-8, as it is written.</summary>
    public static byte[] Utf8Of(Type type) => Utf8Names.GetOrAdd(type, static t => Encoding.UTF8.GetBytes(Of(t)));

    /// <summary>The type a wire name stands for, or null when this node cannot load it (not remembered: the assembly may be loaded later).</summary>
    public static Type? Resolve(string name)
    {
        if (Types.TryGetValue(name, out var known))
        {
            return known;
        }
        var type = Type.GetType(name, FindAssembly, typeResolver: null, throwOnError: false);
        return type is null ? null : Types.GetOrAdd(name, type);
    }

    /// <summary>
    /// An assembly named in a wire name: one already loaded with that simple name, in any load context (an application
    /// that loads its processes into a context of its own), else whatever the default context loads by that name.
    /// </summary>
    private static Assembly? FindAssembly(AssemblyName name)
    {
        foreach (var loaded in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (string.Equals(loaded.GetName().Name, name.Name, StringComparison.Ordinal))
            {
                return loaded;
            }
        }
        try
        {
            return Assembly.Load(name);
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            return null;
        }
    }

    /// <summary>The type a wire name in UTF-8 stands for, or null when this node cannot load it; allocates nothing once the name is known.</summary>
    public static Type? Resolve(ReadOnlySpan<byte> utf8Name)
    {
        const int StackLimit = 512;
        Span<char> chars = utf8Name.Length <= StackLimit ? stackalloc char[StackLimit] : new char[utf8Name.Length];
        var name = chars[..Encoding.UTF8.GetChars(utf8Name, chars)];
        return TypesBySpan.TryGetValue(name, out var type) ? type : Resolve(name.ToString());
    }

    private static StringBuilder Build(Type type, StringBuilder text)
    {
        if (type.IsArray)
        {
            var element = type.GetElementType()!;
            var rank = type.GetArrayRank();
            BuildQualifiedless(element, text);
            text.Append('[').Append(',', rank - 1).Append(']');
            return text.Append(", ").Append(element.Assembly.GetName().Name);
        }
        BuildQualifiedless(type, text);
        return text.Append(", ").Append(type.Assembly.GetName().Name);
    }

    private static void BuildQualifiedless(Type type, StringBuilder text)
    {
        if (!type.IsGenericType)
        {
            text.Append(type.FullName);
            return;
        }
        var definition = type.GetGenericTypeDefinition();
        text.Append(definition.FullName).Append('[');
        var arguments = type.GetGenericArguments();
        for (var i = 0; i < arguments.Length; i++)
        {
            text.Append(i == 0 ? "[" : ",[");
            Build(arguments[i], text);
            text.Append(']');
        }
        text.Append(']');
    }
}
