namespace Hotline.Ops.Replay;

/// <summary>A request category (诉求分类) with its stable ASCII id, Chinese name and February 2024 share.</summary>
public sealed record Category(string Id, string Name, double Share);

/// <summary>
/// The categories of the bulletin, in one place so that the server can reuse the ids. Shares are those published
/// for February 2024 (public services 25.29 %, …); "other" takes the rest.
/// </summary>
public static class Categories
{
    public const string PublicServices = "public-services";
    public const string Transport = "transport";
    public const string HrSocialSecurity = "hr-social-security";
    public const string CityManagement = "city-management";
    public const string MarketRegulation = "market-regulation";
    public const string PublicSecurity = "public-security";
    public const string HousingConstruction = "housing-construction";
    public const string Other = "other";

    public static readonly IReadOnlyList<Category> All =
    [
        new(PublicServices, "公共服务", 0.2529),
        new(Transport, "交通运输与交通秩序", 0.2103),
        new(HrSocialSecurity, "人力资源和社会保障", 0.1766),
        new(CityManagement, "城市管理", 0.0791),
        new(MarketRegulation, "市场监管", 0.0682),
        new(PublicSecurity, "公共安全", 0.0645),
        new(HousingConstruction, "住房和城乡建设", 0.0382),
        new(Other, "其他", 1 - (0.2529 + 0.2103 + 0.1766 + 0.0791 + 0.0682 + 0.0645 + 0.0382)),
    ];

    public static Category? ById(string id) => All.FirstOrDefault(c => c.Id == id);

    public static string NameOf(string id) => ById(id)?.Name ?? id;
}
