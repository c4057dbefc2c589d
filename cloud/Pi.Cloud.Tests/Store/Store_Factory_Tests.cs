using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Pi.Cloud.Options;
using Pi.Cloud.Store;

namespace Pi.Cloud.Tests.Store;

public sealed class Store_Factory_Tests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly string _directory = Directory.CreateTempSubdirectory("pi-store-factory-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task No_connection_string_means_a_private_sqlite_file_in_the_data_directory()
    {
        var dataDirectory = Path.Combine(_directory, "data", "nested");

        await using (var store = (SqlCloudStore)CloudStoreFactory.Create(new StoreOptions(), dataDirectory))
        {
            Assert.Equal("sqlite", store.Engine);
            await store.MigrateAsync(None);
            await Samples.UserAsync(store, "file@example.com");
        }

        var path = Path.Combine(dataDirectory, CloudStoreFactory.DefaultFileName);
        Assert.True(File.Exists(path));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", await command.ExecuteScalarAsync() as string);
    }

    [Fact]
    public async Task A_data_source_selects_that_sqlite_file()
    {
        var path = Path.Combine(_directory, "elsewhere.db");

        await using var store = (SqlCloudStore)CloudStoreFactory.Create(new StoreOptions { ConnectionString = $"Data Source={path}" }, "unused");
        await store.MigrateAsync(None);

        Assert.Equal("sqlite", store.Engine);
        Assert.True(File.Exists(path));
        Assert.False(Directory.Exists(Path.Combine(_directory, "unused")));
    }

    [Fact]
    public async Task A_host_selects_postgresql()
    {
        var connectionString = await PostgresServer.Shared.CreateDatabaseAsync();
        try
        {
            await using var store = (SqlCloudStore)CloudStoreFactory.Create(new StoreOptions { ConnectionString = connectionString }, _directory);
            await store.MigrateAsync(None);
            await store.PingAsync(None);

            Assert.Equal("postgresql", store.Engine);
            Assert.Empty(Directory.GetFileSystemEntries(_directory));
        }
        finally
        {
            await PostgresServer.Shared.DropDatabaseAsync(connectionString);
        }
    }

    [Theory]
    [InlineData("Server=db.example;User Id=cloud;Password=hunter2-secret")]
    [InlineData("hunter2-secret")]
    [InlineData("Host=db.example;Password=hunter2-secret;Port=not-a-port")]
    [InlineData("Host=db.example;Password=hunter2-secret;Frobnicate=yes")]
    [InlineData("Data Source=x.db;Password=hunter2-secret;Frobnicate=yes")]
    [InlineData("Data Source=:memory:;Password=hunter2-secret")]
    [InlineData("Data Source=x.db;Mode=Memory;Password=hunter2-secret")]
    [InlineData("Password='hunter2-secret")]
    public void A_connection_string_that_selects_no_usable_engine_is_refused_without_repeating_it(string connectionString)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => CloudStoreFactory.Create(new StoreOptions { ConnectionString = connectionString }, _directory));

        Assert.DoesNotContain("hunter2", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("ConnectionString", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_host_migrates_the_store_before_it_serves_and_disposes_it_at_the_end()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.Configure<CloudOptions>(options => options.DataDirectory = _directory);
        builder.Services.AddCloudStore();
        SqlCloudStore store;
        using (var host = builder.Build())
        {
            store = (SqlCloudStore)host.Services.GetRequiredService<ICloudStore>();
            Assert.Equal(0, await store.GetSchemaVersionAsync(None));

            await host.StartAsync(None);
            Assert.Equal(StoreSchema.LatestVersion, await store.GetSchemaVersionAsync(None));
            Assert.Same(store, host.Services.GetRequiredService<ICloudStore>());
            await host.StopAsync(None);
        }

        Assert.True(File.Exists(Path.Combine(_directory, CloudStoreFactory.DefaultFileName)));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.PingAsync(None));
    }
}
