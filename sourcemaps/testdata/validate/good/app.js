function greet(name){return"hi "+name}
//# debugId=3f0c2a5e-8d1b-4c6e-9a7f-1b2c3d4e5f60
//# sourceMappingURL=app.js.map
