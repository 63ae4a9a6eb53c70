// Example extension: loaded by the editor from /extensions/example_pack/example_pack.js.
import { app } from "../../scripts/app.js";

app.registerExtension({
  name: "example_pack.colour",
  nodeCreated(node) {
    if (node.comfyClass === "ExampleTextTemplate") {
      node.color = "#335";
    }
  },
});
