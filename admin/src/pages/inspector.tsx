import type { Me } from "../app";

export function InspectorPage({ me }: { me: Me }) {
  return <h1>Realtime inspector {me.email}</h1>;
}
