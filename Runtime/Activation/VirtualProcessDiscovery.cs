using System.Reflection;
using System.Runtime.Loader;

namespace ProcessGrid.Runtime.Activation;

/// <summary>
/// Finds the virtual process classes of an assembly (Orleans' application parts): a silo deployed in a container loads
/// the user's process assembly by path and can then activate its kinds when messages for them arrive from other nodes.
/// </summary>
internal static class VirtualProcessDiscovery
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> s_probedDirectories = new(StringComparer.Ordinal);
    private static int s_resolving;

    /// <summary>The concrete <see cref="GenServer"/> classes of <paramref name="assembly"/> marked <see cref="VirtualProcessAttribute"/>.</summary>
    public static IEnumerable<Type> In(Assembly assembly) => assembly.GetTypes().Where(type =>
        type is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false }
        && typeof(GenServer).IsAssignableFrom(type)
        && type.IsDefined(typeof(VirtualProcessAttribute), inherit: false));

    /// <summary>Loads an assembly named by a file path (ending in <c>.dll</c>) or by its name.</summary>
    /// <param name="setting">The configuration key that named it, for the error message.</param>
    /// <param name="pathOrName">A path to a <c>.dll</c>, relative to the working directory, or an assembly name.</param>
    /// <exception cref="ArgumentException">The assembly cannot be found or loaded; the message names the setting and says why.</exception>
    public static Assembly Load(string setting, string pathOrName)
    {
        try
        {
            if (pathOrName.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            {
                var path = Path.GetFullPath(pathOrName);
                if (!File.Exists(path))
                {
                    throw new ArgumentException($"{setting} names {pathOrName}, but there is no such file ({path}). Give the path of the assembly that holds your process classes.");
                }
                ProbeForDependenciesIn(Path.GetDirectoryName(path)!);
                return AssemblyLoadContext.Default.LoadFromAssemblyPath(path);
            }
            return Assembly.Load(pathOrName);
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            throw new ArgumentException($"{setting} names {pathOrName}, which cannot be loaded: {e.Message}", e);
        }
    }

    /// <summary>
    /// Lets the assemblies an application assembly depends on load from its own directory (a published application
    /// folder copied into the silo's container), the way its own host would find them.
    /// </summary>
    private static void ProbeForDependenciesIn(string directory)
    {
        s_probedDirectories.TryAdd(directory, 0);
        if (Interlocked.Exchange(ref s_resolving, 1) == 0)
        {
            AssemblyLoadContext.Default.Resolving += static (context, name) =>
            {
                foreach (var probed in s_probedDirectories.Keys)
                {
                    var candidate = Path.Combine(probed, name.Name + ".dll");
                    if (File.Exists(candidate))
                    {
                        return context.LoadFromAssemblyPath(candidate);
                    }
                }
                return null;
            };
        }
    }
}
