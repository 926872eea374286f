function greet(name){return"hi "+name}
//# sourceMappingURL=badvlq.js.map
