// Starts Swagger UI on /openapi.json (a static file, as the CSP forbids inline scripts).
window.addEventListener("DOMContentLoaded", function () {
  "use strict";
  window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
