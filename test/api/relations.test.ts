// Schema at run time: /relations for m2o, o2m (meta.one_field) and m2m through a junction.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../helpers/databases.js";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { autoPk, createCollection, createField, expectError, ok } from "./fixtures.js";

const dbs = await databases();

describe.each(dbs)("relations (%s)", (db) => {
  let server: TestServer;
  let http: Http;

  beforeAll(async () => {
    server = await startServer({ db });
    http = createHttp(server.url, server.adminToken);
    await createCollection(http, "teams", [autoPk, { field: "name", type: "string", schema: {} }]);
    await createCollection(http, "players", [autoPk, { field: "name", type: "string", schema: {} }]);
    await createCollection(http, "skills", [autoPk, { field: "label", type: "string", schema: {} }]);
    await createCollection(http, "players_skills", [
      autoPk,
      { field: "players_id", type: "integer", schema: {} },
      { field: "skills_id", type: "integer", schema: {} },
    ]);
  }, 60_000);
  afterAll(async () => server?.close());

  it("creates an m2o relation with an o2m alias and answers the exact shape", async () => {
    await createField(http, "players", { field: "team", type: "integer", meta: { special: ["m2o"] }, schema: {} });
    await createField(http, "teams", { field: "players", type: "alias", meta: { special: ["o2m"] } });
    const reply = await http.post("/relations", {
      collection: "players",
      field: "team",
      related_collection: "teams",
      meta: { one_field: "players" },
      schema: { on_delete: "SET NULL" },
    });
    expect(reply.status).toBe(200);
    const data = reply.body.data;
    expect(data).toMatchObject({ collection: "players", field: "team", related_collection: "teams" });
    expect(data.meta).toMatchObject({ one_field: "players", junction_field: null });
    expect(data.schema).toMatchObject({ on_delete: "SET NULL" });
  });

  it("reads the relation back from /relations, /relations/:collection and /relations/:collection/:field", async () => {
    const all = ok<any[]>(await http.get("/relations"));
    expect(all.find((r) => r.collection === "players" && r.field === "team")).toMatchObject({ related_collection: "teams", meta: { one_field: "players" } });
    const forCollection = ok<any[]>(await http.get("/relations/players"));
    expect(forCollection.map((r) => r.field)).toEqual(["team"]);
    const one = ok(await http.get("/relations/players/team"));
    expect(one).toMatchObject({ collection: "players", field: "team", related_collection: "teams", schema: { on_delete: "SET NULL" } });
  });

  it("makes m2o and o2m readable and filterable", async () => {
    const team = ok(await http.post("/items/teams", { name: "Reds" }));
    ok(await http.post("/items/players", [{ name: "Ann", team: team.id }, { name: "Ben", team: team.id }, { name: "Cy", team: null }]));
    const players = ok<any[]>(await http.get("/items/players?fields=name,team.name&sort=name"));
    expect(players).toEqual([
      { name: "Ann", team: { name: "Reds" } },
      { name: "Ben", team: { name: "Reds" } },
      { name: "Cy", team: null },
    ]);
    const teams = ok<any[]>(await http.get("/items/teams?fields=name,players.name&deep[players][_sort]=name"));
    expect(teams).toEqual([{ name: "Reds", players: [{ name: "Ann" }, { name: "Ben" }] }]);
    const filtered = ok<any[]>(await http.get("/items/players?fields=name&filter[team][name][_eq]=Reds&sort=name"));
    expect(filtered.map((p) => p.name)).toEqual(["Ann", "Ben"]);
  });

  it("creates an m2m through a junction with two relations naming each other", async () => {
    await createField(http, "players", { field: "skills", type: "alias", meta: { special: ["m2m"] } });
    const left = ok(
      await http.post("/relations", {
        collection: "players_skills",
        field: "players_id",
        related_collection: "players",
        meta: { one_field: "skills", junction_field: "skills_id" },
        schema: { on_delete: "CASCADE" },
      }),
    );
    expect(left.meta).toMatchObject({ one_field: "skills", junction_field: "skills_id" });
    expect(left.schema).toMatchObject({ on_delete: "CASCADE" });
    const right = ok(
      await http.post("/relations", {
        collection: "players_skills",
        field: "skills_id",
        related_collection: "skills",
        meta: { one_field: null, junction_field: "players_id" },
        schema: { on_delete: "CASCADE" },
      }),
    );
    expect(right).toMatchObject({ collection: "players_skills", field: "skills_id", related_collection: "skills", meta: { junction_field: "players_id" } });
    const [ann] = ok<any[]>(await http.get("/items/players?filter[name][_eq]=Ann&fields=id"));
    const skills = ok<any[]>(await http.post("/items/skills", [{ label: "pass" }, { label: "shoot" }]));
    ok(await http.post("/items/players_skills", skills.map((s) => ({ players_id: ann.id, skills_id: s.id }))));
    const [row] = ok<any[]>(await http.get(`/items/players?fields=name,skills.skills_id.label&filter[id][_eq]=${ann.id}`));
    expect(row.skills.map((s: any) => s.skills_id.label).sort()).toEqual(["pass", "shoot"]);
    const shooters = ok<any[]>(await http.get('/items/players?fields=name&filter={"skills":{"_some":{"skills_id":{"label":{"_eq":"shoot"}}}}}'));
    expect(shooters).toEqual([{ name: "Ann" }]);
    expect(ok<any[]>(await http.get("/relations/players_skills"))).toHaveLength(2);
  });

  it("on_delete SET NULL and CASCADE act in the database", async () => {
    const [team] = ok<any[]>(await http.get("/items/teams?fields=id"));
    expect((await http.delete(`/items/teams/${team.id}`)).status).toBe(204);
    expect(ok<any[]>(await http.get("/items/players?fields=team")).every((p) => p.team === null)).toBe(true);
    const [ann] = ok<any[]>(await http.get("/items/players?filter[name][_eq]=Ann&fields=id"));
    expect((await http.delete(`/items/players/${ann.id}`)).status).toBe(204);
    expect(ok(await http.get("/items/players_skills"))).toEqual([]);
    expect(ok<any[]>(await http.get("/items/skills"))).toHaveLength(2);
  });

  it("deletes a relation → 204, keeping the column", async () => {
    expect((await http.delete("/relations/players/team")).status).toBe(204);
    expect(ok<any[]>(await http.get("/relations/players")).map((r) => r.field)).not.toContain("team");
    expectError(await http.get("/relations/players/team"), [403, 404]);
    const player = ok(await http.post("/items/players", { name: "Dee", team: 12345 }));
    expect(player.team).toBe(12345);
    expectError(await http.get("/items/players?fields=team.name"), [400, 403]);
  });

  it("deleting a collection removes the relations that involve it", async () => {
    await createCollection(http, "leagues", [autoPk, { field: "title", type: "string", schema: {} }]);
    await createField(http, "teams", { field: "league", type: "integer", meta: { special: ["m2o"] }, schema: {} });
    await createField(http, "leagues", { field: "teams", type: "alias", meta: { special: ["o2m"] } });
    ok(await http.post("/relations", { collection: "teams", field: "league", related_collection: "leagues", meta: { one_field: "teams" }, schema: { on_delete: "SET NULL" } }));
    const league = ok(await http.post("/items/leagues", { title: "L1" }));
    ok(await http.post("/items/teams", { name: "Blues", league: league.id }));
    expect((await http.delete("/collections/leagues")).status).toBe(204);
    const remaining = ok<any[]>(await http.get("/relations"));
    expect(remaining.filter((r) => r.collection === "leagues" || r.related_collection === "leagues")).toEqual([]);
    expect(ok<any[]>(await http.get("/items/teams?fields=*"))).toHaveLength(1);
  });

  it("refuses relations to unknown collections or fields", async () => {
    expectError(await http.post("/relations", { collection: "players", field: "nope", related_collection: "teams", meta: {}, schema: {} }), [400, 403]);
    expectError(await http.post("/relations", { collection: "players", field: "name", related_collection: "missing", meta: {}, schema: {} }), [400, 403]);
    expectError(await http.post("/relations", { collection: "missing", field: "x", related_collection: "teams", meta: {}, schema: {} }), [400, 403]);
  });

  it("is admin only", async () => {
    const anonymous = createHttp(server.url);
    expectError(await anonymous.get("/relations"), [401, 403]);
    expectError(await anonymous.post("/relations", { collection: "players_skills", field: "skills_id", related_collection: "skills" }), [401, 403]);
  });
});
