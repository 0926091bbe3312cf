using System.Data.Common;
using Hotline.Ops.Host.Storage;
using Microsoft.Data.Sqlite;

namespace Hotline.Ops.Host.Tests;

/// <summary>A server's SQLite file read or changed directly: what a crash or an older version would have left there.</summary>
internal static class SqliteFile
{
    public static SqliteConnection Open(string dataDir)
    {
        var c = new SqliteConnection(SchemaInstaller.SqliteConnectionString(dataDir));
        c.Open();
        return c;
    }

    /// <summary>Runs <paramref name="sql"/> with <paramref name="args"/>; the number of rows it changed.</summary>
    public static int Execute(string dataDir, string sql, params (string Name, object Value)[] args)
    {
        using var c = Open(dataDir);
        using var cmd = Command(c, sql, args);
        return cmd.ExecuteNonQuery();
    }

    public static object? Scalar(string dataDir, string sql, params (string Name, object Value)[] args)
    {
        using var c = Open(dataDir);
        using var cmd = Command(c, sql, args);
        return cmd.ExecuteScalar();
    }

    /// <summary>A command with its parameters, on either storage's connection.</summary>
    public static DbCommand Command(DbConnection c, string sql, params (string Name, object Value)[] args)
    {
        var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in args)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            cmd.Parameters.Add(p);
        }
        return cmd;
    }
}
