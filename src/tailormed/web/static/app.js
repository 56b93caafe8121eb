// tailormed web app: small enhancements on server-rendered pages (each page works without them).
"use strict";
