// Placeholder replaced by the server entry point (issue: serving platform).
export {};
