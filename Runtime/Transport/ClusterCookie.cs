using System.Security.Cryptography;
using System.Text;

namespace ProcessGrid.Runtime.Transport;

/// <summary>
/// The cluster's shared secret, as the key both sides of a connection prove knowledge of. Taken from the options, or
/// from <c>~/.processgrid.cookie</c>, which is created with a random value when missing (as Erlang does with
/// <c>~/.erlang.cookie</c>), so that nodes of one user on one machine agree without configuration.
/// </summary>
internal static class ClusterCookie
{
    /// <summary>The file read when no cookie is configured.</summary>
    public static string DefaultFile => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".processgrid.cookie");

    /// <summary>The HMAC key for <paramref name="configured"/>, or for the cookie file when it is null.</summary>
    public static byte[] Resolve(string? configured)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            return Encoding.UTF8.GetBytes(configured);
        }
        var file = DefaultFile;
        if (!File.Exists(file))
        {
            try
            {
                var created = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
                using var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.None);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }
                stream.Write(Encoding.UTF8.GetBytes(created));
            }
            catch (IOException) when (File.Exists(file))
            {
                // Another node created it first: use theirs.
            }
        }
        var cookie = File.ReadAllText(file).Trim();
        if (cookie.Length == 0)
        {
            throw new ArgumentException($"The cookie file {file} is empty: write a secret in it, or set ProcessGrid:Cluster:Cookie.");
        }
        return Encoding.UTF8.GetBytes(cookie);
    }
}
